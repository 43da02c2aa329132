namespace Orders.Tests.Infrastructure;

// What most test classes start from: xUnit makes a new instance of the class for each test, so each
// test has its own running service (its own database, sandbox, clock and logs) and the customer and
// PayPal that talk to it (Shop), and the service is stopped when the test ends.
public abstract class ServiceTest : IAsyncDisposable
{
    private protected readonly OrdersApp app;
    private protected readonly Shop shop;

    protected ServiceTest(Dictionary<string, string?>? settings = null)
    {
        app = new OrdersApp(settings: settings);
        shop = new Shop(app);
    }

    public async ValueTask DisposeAsync()
    {
        await app.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
