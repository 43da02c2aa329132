using System.Collections.Concurrent;
using System.Reflection;
using Xunit.v3;

[assembly: Orders.Tests.Infrastructure.TestTimeLimit]

namespace Orders.Tests.Infrastructure;

// xUnit has no assembly-wide test timeout (only [Fact(Timeout = …)], one test at a time), and a test
// that hangs would hold the run forever. Every test here is bounded instead: when one has run longer
// than the limit, its name is written out and the test process ends, which fails the run. (The
// test platform's hang detector, tests/hang.runsettings, also covers a hang outside a test method.)
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class TestTimeLimitAttribute : BeforeAfterTestAttribute
{
    // Far above the longest test (about 100 s on a busy machine), so that it never cuts a slow pass.
    public static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    private static readonly ConcurrentDictionary<string, (string Name, DateTime StartedAt)> Running = new();
    private static readonly Timer Watchdog = new(_ => EndTheRunIfAnyTestIsOverTime(), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));

    public override void Before(MethodInfo methodUnderTest, IXunitTest test)
    {
        GC.KeepAlive(Watchdog);
        Running[test.UniqueID] = (test.TestDisplayName, DateTime.UtcNow);
    }

    public override void After(MethodInfo methodUnderTest, IXunitTest test) => Running.TryRemove(test.UniqueID, out _);

    private static void EndTheRunIfAnyTestIsOverTime()
    {
        var overTime = Running.Values.Where(t => DateTime.UtcNow - t.StartedAt > Limit).Select(t => t.Name).ToList();
        if (overTime.Count > 0)
        {
            Environment.FailFast($"Test(s) still running after {Limit.TotalSeconds:0} s, ending the test run: {string.Join(", ", overTime)}");
        }
    }
}
