using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orders.Api.Data;

namespace Orders.Tests.Infrastructure;

// One running service per test: its own data directory (SQLite file, keys, outbox) or, in the
// server-database test projects, its own database on that server (DatabaseUnderTest), the real
// migrations, the in-process PayPal sandbox, real Kestrel on a loopback port (so the sandbox's
// webhooks are real HTTP), a shiftable clock and captured logs.
public sealed class OrdersApp : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> settings;
    private readonly Action<IServiceCollection>? replaceServices;
    private readonly ServerDatabase? database;

    // replaceServices: for the few tests that put something slow or failing in the service's way
    // (registrations made here win over the service's own).
    public OrdersApp(string? dataDirectory = null, Dictionary<string, string?>? settings = null, Action<IServiceCollection>? replaceServices = null)
    {
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "orders-tests", Guid.NewGuid().ToString("N"));
        this.settings = settings ?? [];
        this.replaceServices = replaceServices;
        if (!this.settings.ContainsKey("Database:Provider"))
        {
            database = DatabaseUnderTest.Create();
            if (database is not null)
            {
                this.settings["Database:Provider"] = database.Provider;
                this.settings["ConnectionStrings:Orders"] = database.ConnectionString;
            }
        }

        UseKestrel(0);
    }

    public string DataDirectory { get; }

    public TestClock Clock { get; } = new();

    public LogCapture Logs { get; } = new();

    // Only for tests of the production start-up checks.
    public bool UseProductionEnvironment { get; set; }

    public string DatabasePath => Path.Combine(DataDirectory, "orders.db");

    public string OutboxDirectory => Path.Combine(DataDirectory, "outbox");

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(UseProductionEnvironment ? "Production" : "Development");
        builder.UseSetting("Storage:DataDirectory", DataDirectory);
        builder.UseSetting("Jobs:WorkerCount", "4");
        // Compressed retry schedule so a refused delivery is retried within a test's patience.
        builder.UseSetting("Sandbox:PayPal:RetryDelaysSeconds:0", "1");
        builder.UseSetting("Sandbox:PayPal:RetryDelaysSeconds:1", "1");
        builder.UseSetting("Sandbox:PayPal:RetryDelaysSeconds:2", "2");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging =>
        {
            // Only the captured lines: nobody reads a test host's console, and writing every
            // host's lines there costs the run more than a little of its time.
            logging.ClearProviders();
            logging.AddProvider(Logs);
            logging.SetMinimumLevel(LogLevel.Debug);
        });
        builder.ConfigureServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            replaceServices?.Invoke(services);
            // Hosts run side by side: Hangfire's log lines go to their own host's logs.
            HangfireLogs.RoutePerHost(services);
        });
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

    // A plain HttpClient over a real socket: redirects are the test's to follow.
    public HttpClient Http() =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = ServerAddress, Timeout = TimeSpan.FromSeconds(60) };

    public T Service<T>() where T : notnull
    {
        StartServer();
        return Services.GetRequiredService<T>();
    }

    internal Db Db => Service<Db>();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (database is not null)
        {
            await database.DropAsync();
        }

        GC.SuppressFinalize(this);
    }
}

public static class HttpJson
{
    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<T>(OrdersApp.Json))!;
}
