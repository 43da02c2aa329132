using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Orders.BrowserTests.Infrastructure;

// One running service per test: its own data directory (SQLite file, keys, outbox), the real
// migrations, the in-process PayPal sandbox, and real Kestrel on a loopback port, so the browser,
// the service and the sandbox's pay page all live on one address.
public sealed class OrdersApp : WebApplicationFactory<Program>
{
    public OrdersApp()
    {
        DataDirectory = Path.Combine(Path.GetTempPath(), "orders-browser-tests", Guid.NewGuid().ToString("N"));
        UseKestrel(0);
    }

    public string DataDirectory { get; }

    public string OutboxDirectory => Path.Combine(DataDirectory, "outbox");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("Storage:DataDirectory", DataDirectory);
        builder.UseSetting("Jobs:WorkerCount", "2");
    }

    public Uri ServerAddress
    {
        get
        {
            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
