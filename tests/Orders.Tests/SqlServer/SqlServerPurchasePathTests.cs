using System.Net;
using System.Text;
using Microsoft.Data.SqlClient;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.SqlServer;

// The purchase path against a real SQL Server: opt-in, because no SQL Server can run on the
// development and CI machines. Set ORDERS_TEST_SQLSERVER to a connection string (a login that may
// create databases); each test creates its own database and drops it afterwards.
public sealed class SqlServerPurchasePathTests : IAsyncLifetime
{
    public const string Variable = "ORDERS_TEST_SQLSERVER";
    private OrdersApp? app;
    private string? connectionString;

    public ValueTask InitializeAsync()
    {
        var server = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(server))
        {
            return ValueTask.CompletedTask;
        }

        connectionString = new SqlConnectionStringBuilder(server) { InitialCatalog = "orders_test_" + Guid.NewGuid().ToString("N")[..12] }.ConnectionString;
        app = new OrdersApp(settings: new()
        {
            ["Database:Provider"] = "SqlServer",
            ["ConnectionStrings:Orders"] = connectionString,
        });
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (app is null)
        {
            return;
        }

        await app.DisposeAsync();
        var builder = new SqlConnectionStringBuilder(connectionString);
        var database = builder.InitialCatalog;
        builder.InitialCatalog = "master";
        await using var connection = new SqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var drop = connection.CreateCommand();
        drop.CommandText = $"ALTER DATABASE [{database}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [{database}];";
        await drop.ExecuteNonQueryAsync();
    }

    private Shop Shop()
    {
        if (app is null)
        {
            Assert.Skip($"{Variable} is not set: there is no SQL Server on this machine. Set it to a SQL Server connection string to run the purchase path against SQL Server.");
        }

        return new Shop(app);
    }

    [Fact]
    public async Task PurchasePathWorksOnSqlServer()
    {
        var shop = Shop();
        var checkout = await shop.CheckoutAsync(quantity: 2);
        var returnUrl = await shop.ApproveAsync(checkout);
        using var back = await shop.Http.GetAsync(returnUrl.PathAndQuery);
        Assert.Equal(HttpStatusCode.SeeOther, back.StatusCode);
        var order = await shop.WaitForStatusAsync(checkout, "paid");
        Assert.Equal(2, Assert.Single(order!.Licenses).Seats);
        Assert.Single(await shop.WaitForMailsAsync(checkout.OrderNumber));
    }

    [Fact]
    public async Task ConcurrentDuplicateWebhooksIssueOneLicenseOnSqlServer()
    {
        var shop = Shop();
        var checkout = await shop.CheckoutAsync();
        var captureId = await shop.PaidAtPayPalSilentlyAsync(checkout);
        var body = Encoding.UTF8.GetBytes(PayPalEventsFactory.CaptureEvent("PAYMENT.CAPTURE.COMPLETED", checkout.OrderNumber, checkout.PayPalOrderId, captureId, "49.00").ToJsonString());
        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => shop.PostSignedWebhookAsync(body)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await shop.WaitForStatusAsync(checkout, "paid");
        await shop.WaitForMailsAsync(checkout.OrderNumber);
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM licenses"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries"));
    }

    [Fact]
    public async Task RefundBeforeCompletionEndsRefundedOnSqlServer()
    {
        var shop = Shop();
        var checkout = await shop.CheckoutAsync();
        await shop.SetPayPalSandboxAsync(new { dropWebhooks = true });
        await shop.ApproveAsync(checkout);
        var captureId = await shop.CaptureAtPayPalAsync(checkout);
        var refundId = await shop.RefundAtPayPalAsync(captureId, "49.00");
        (await shop.PostSignedWebhookAsync(PayPalEventsFactory.RefundEvent(checkout.OrderNumber, captureId, refundId, "49.00"))).Dispose();
        await shop.WaitForStatusAsync(checkout, "refunded");
        (await shop.PostSignedWebhookAsync(PayPalEventsFactory.CaptureEvent("PAYMENT.CAPTURE.COMPLETED", checkout.OrderNumber, checkout.PayPalOrderId, captureId, "49.00"))).Dispose();
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NULL"), n => n == 0);
        var order = await shop.OrderAsync(checkout);
        Assert.Equal("refunded", order!.Status);
        Assert.DoesNotContain(order.Licenses, l => l.Status == "active");
    }
}
