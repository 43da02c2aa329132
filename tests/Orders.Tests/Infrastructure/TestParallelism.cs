// Test classes run side by side (xUnit's default: each class is a collection, run in parallel; the
// tests of one class run one after another). Hosts do not meet: each has its own data directory,
// Kestrel port and sandbox, the service gives each its own job storage and job activator
// (ProcessingRegistration), and Hangfire's process-wide log provider routes each host's lines to
// that host (HangfireLogs). Most of a test is waiting on background work and HTTP, so more tests
// run at once than there are cores.
// On a database server (tests/Orders.Tests.PostgreSql) a test waits on the server more than on
// the cores, so more run at once.
#if SERVER_DATABASE
[assembly: CollectionBehavior(MaxParallelThreads = 8)]
#else
[assembly: CollectionBehavior(MaxParallelThreads = 4)]
#endif

namespace Orders.Tests.Infrastructure;

// The few classes that must have the machine to themselves name this collection, each saying why.
// xUnit runs it after the parallel ones, one test at a time.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "Runs alone";
}
