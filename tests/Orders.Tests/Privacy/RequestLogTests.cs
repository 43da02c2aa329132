using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Orders.Api.Hosting;
using Orders.Tests.Infrastructure;
using Orders.Tests.Support;

namespace Orders.Tests.Privacy;

// "IP addresses are used for trends and never linked to a person": the request log keeps only the
// client's network and the route template, and no table or other log line keeps the address.
public sealed class RequestLogTests : IAsyncLifetime
{
    private const string ClientV4 = "203.0.113.77";
    private const string ClientV6 = "2001:db8:1234:5678:9abc::77";

    // Behind a proxy on loopback, as in production: the client's address comes from X-Forwarded-For.
    private readonly OrdersApp app = new(settings: new()
    {
        ["ForwardedHeaders:Enabled"] = "true",
        ["ForwardedHeaders:KnownNetworks:0"] = "127.0.0.0/8",
    });

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => app.DisposeAsync();

    [Theory]
    [InlineData("203.0.113.77", "203.0.113.0/24")]
    [InlineData("10.1.2.3", "10.1.2.0/24")]
    [InlineData("::ffff:198.51.100.9", "198.51.100.0/24")]
    [InlineData("2001:db8:1234:5678:9abc::77", "2001:db8:1234::/48")]
    [InlineData("::1", "::/48")]
    public void AddressesAreShortenedToTheirNetwork(string address, string expected) =>
        Assert.Equal(expected, RequestLog.ClientNetwork(IPAddress.Parse(address)));

    [Fact]
    public async Task RequestLinesCarryTheNetworkAndTheRouteButNoAddressOrderNumberTokenOrEmail()
    {
        var shop = new Shop(app);
        shop.Http.DefaultRequestHeaders.Add("X-Forwarded-For", ClientV4);
        var order = await shop.PaidOrderAsync(app, email: "trend.watcher@example.com", licenseeName: "Trend Watcher");
        (await shop.Http.GetAsync(order.Checkout.StatusUrl)).Dispose();
        (await shop.Http.GetAsync("/orders/ORD-NOPE?token=guess")).Dispose();

        using var admin = await SupportSession.AdminAsync(app);
        admin.Http.DefaultRequestHeaders.Add("X-Forwarded-For", ClientV6);
        await admin.SearchAsync("trend.watcher@example.com");
        await admin.OrderAsync(order.OrderNumber);

        app.Service<RequestLog>().Flush();
        var requestLines = app.Logs.Lines.Where(l => l.Contains(RequestLog.Category, StringComparison.Ordinal)).ToList();
        Assert.Contains(requestLines, l => l.Contains("GET /orders/{orderNumber} answered 200", StringComparison.Ordinal) && l.Contains("203.0.113.0/24", StringComparison.Ordinal));
        Assert.Contains(requestLines, l => l.Contains("POST /api/checkout answered 201", StringComparison.Ordinal));
        Assert.Contains(requestLines, l => l.Contains("POST /webhooks/paypal answered 200", StringComparison.Ordinal));
        Assert.Contains(requestLines, l => l.Contains("GET /api/support/orders answered 200", StringComparison.Ordinal) && l.Contains("2001:db8:1234::/48", StringComparison.Ordinal));
        foreach (var line in requestLines)
        {
            foreach (var secret in new[] { order.OrderNumber, order.Checkout.Token, "trend.watcher", "ORD-NOPE", "guess", order.PayPalOrderId })
            {
                Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
            }
        }

        // No log line of any kind, and no byte of the database, holds the full addresses.
        foreach (var address in new[] { ClientV4, ClientV6, "2001:db8:1234:5678" })
        {
            Assert.DoesNotContain(address, app.Logs.AllText, StringComparison.Ordinal);
        }

        await using (var file = new FileStream(app.DatabasePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        await using (var wal = File.Exists(app.DatabasePath + "-wal") ? new FileStream(app.DatabasePath + "-wal", FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete) : null)
        {
            using var bytes = new MemoryStream();
            await file.CopyToAsync(bytes);
            if (wal is not null)
            {
                await wal.CopyToAsync(bytes);
            }

            Assert.Equal(-1, bytes.ToArray().AsSpan().IndexOf(Encoding.UTF8.GetBytes(ClientV4)));
        }
    }

    [Fact]
    public async Task TheRequestLogCanBeTurnedOff()
    {
        await using var quiet = new OrdersApp(settings: new() { ["RequestLog:Enabled"] = "false" });
        using var http = quiet.Http();
        (await http.GetAsync("/api/products")).Dispose();
        quiet.Service<RequestLog>().Flush();

        Assert.DoesNotContain(quiet.Logs.Lines, l => l.Contains(RequestLog.Category, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RequestsAreCountedPerRouteStatusAndNetworkAndEachIntervalIsWrittenOnce()
    {
        using var http = app.Http();
        http.DefaultRequestHeaders.Add("X-Forwarded-For", ClientV4);
        for (var i = 0; i < 3; i++)
        {
            (await http.GetAsync("/api/products")).Dispose();
        }

        (await http.GetAsync("/api/orders/ORD-NOPE?token=guess")).Dispose();
        var requestLog = app.Service<RequestLog>();
        requestLog.Flush();
        requestLog.Flush(); // an interval without requests writes nothing

        var lines = app.Logs.Lines.Where(l => l.Contains(RequestLog.Category, StringComparison.Ordinal)).ToList();
        Assert.Single(lines, l => l.Contains("GET /api/products answered 200 ×3 in", StringComparison.Ordinal) && l.Contains("to 203.0.113.0/24", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("GET /api/orders/{orderNumber} answered 404 ×1 in", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("ORD-NOPE", StringComparison.Ordinal) || l.Contains(ClientV4, StringComparison.Ordinal));
    }

    [Fact]
    public void AFloodFromManyNetworksIsCountedTogetherBeyondTheLimit()
    {
        var requestLog = app.Service<RequestLog>();
        var extra = 5;
        for (var i = 0; i < RequestLog.MaxTalliesPerInterval + extra; i++)
        {
            var context = new DefaultHttpContext();
            context.Request.Method = "POST";
            context.Response.StatusCode = 429;
            context.Connection.RemoteIpAddress = new IPAddress([10, (byte)(i >> 8), (byte)i, 1]);
            requestLog.Count(context, elapsedTicks: 1);
        }

        foreach (var method in new[] { "X-1", "X-2", "X-3" })
        {
            var context = new DefaultHttpContext();
            context.Request.Method = method;
            context.Response.StatusCode = 405;
            context.Connection.RemoteIpAddress = IPAddress.Parse("10.255.255.1");
            requestLog.Count(context, elapsedTicks: 1);
        }

        requestLog.Flush();
        Assert.Single(app.Logs.Lines, l => l.Contains("OTHER (no route) answered 405 ×3 in", StringComparison.Ordinal) && l.Contains("to other networks", StringComparison.Ordinal));
        var lines = app.Logs.Lines.Where(l => l.Contains("POST (no route) answered 429", StringComparison.Ordinal)).ToList();
        Assert.Equal(RequestLog.MaxTalliesPerInterval + 1, lines.Count); // every network up to the limit, then one for the rest
        Assert.Single(lines, l => l.Contains($"×{extra} in", StringComparison.Ordinal) && l.Contains("to other networks", StringComparison.Ordinal));
    }
}
