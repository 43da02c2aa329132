// One service per test, one test at a time. Hangfire keeps process-wide state (its global
// configuration: job activator, log provider, filters), so two hosts running side by side in one
// test process can see each other's jobs land in the wrong container; in production there is one
// host per process and this never arises. Measured cost: the suite takes longer, but never flakes.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
