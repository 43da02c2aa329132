namespace Orders.Tests.Infrastructure;

public static class Eventually
{
    // Polls until the condition holds; the work under test runs in background jobs.
    public static async Task<T> GetAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        T value;
        while (true)
        {
            value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.True(done(value), $"Timed out waiting for {what ?? "the condition"}; last value: {value}");
        return value;
    }
}
