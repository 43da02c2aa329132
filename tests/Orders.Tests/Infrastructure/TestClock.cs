namespace Orders.Tests.Infrastructure;

// Real time plus an offset a test can move forward. Timers and delays stay real, so the HTTP
// resilience pipeline and Hangfire keep working while a test "waits" hours in an instant.
public sealed class TestClock : TimeProvider
{
    private long offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
