using System.Net;
using System.Text;
using Microsoft.Data.Sqlite;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Operations;

public sealed class HardeningTests
{
    [Fact]
    public async Task PagesCarrySecurityHeaders()
    {
        await using var app = new OrdersApp();
        var http = app.Http();
        foreach (var path in new[] { "/", "/buy/PHOTOSHRINK-PRO" })
        {
            using var page = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var csp = page.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.Contains("https://www.paypal.com", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
            Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        }

        using var api = await http.GetAsync("/api/products");
        Assert.Equal("nosniff", api.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.False(api.Headers.Contains("Server"));

        // Webhooks are short-circuited at routing, which comes after the security headers.
        using var webhook = await http.PostAsync("/webhooks/paypal", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, webhook.StatusCode);
        Assert.Equal("application/problem+json", webhook.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", webhook.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task CheckoutIsRateLimitedPerClient()
    {
        await using var app = new OrdersApp(settings: new() { ["RateLimits:CheckoutPerMinute"] = "3" });
        var shop = new Shop(app);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await shop.PostCheckoutAsync(new { sku = "PHOTOSHRINK-PRO", quantity = 1, email = "ada@example.com", licenseeName = "Ada", provider = "paypal" });
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.True(response.Headers.RetryAfter is not null);
            }
        }

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(3, await shop.CountAsync("SELECT COUNT(*) FROM orders"));
    }

    [Fact]
    public async Task LockedDatabaseAnswers503AcknowledgesNothingAndRecovers()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "orders-tests", Guid.NewGuid().ToString("N"));
        await using var app = new OrdersApp(dataDirectory, new()
        {
            // Wait at most two seconds for a locked database instead of the default thirty.
            ["ConnectionStrings:Orders"] = $"Data Source={Path.Combine(dataDirectory, "orders.db")};Default Timeout=2",
        });
        var shop = new Shop(app);
        var checkout = await shop.CheckoutAsync();
        var captureId = await shop.PaidAtPayPalSilentlyAsync(checkout);
        var body = Encoding.UTF8.GetBytes(PayPalEventsFactory.CaptureEvent("PAYMENT.CAPTURE.COMPLETED", checkout.OrderNumber, checkout.PayPalOrderId, captureId, "49.00").ToJsonString());

        // Another process holds the write lock (a backup tool, a stuck migration…).
        await using (var blocker = new SqliteConnection($"Data Source={app.DatabasePath}"))
        {
            await blocker.OpenAsync();
            await using (var exclusive = blocker.CreateCommand())
            {
                exclusive.CommandText = "BEGIN EXCLUSIVE";
                await exclusive.ExecuteNonQueryAsync();
            }

            using var webhook = await shop.PostSignedWebhookAsync(body);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, webhook.StatusCode);
            Assert.Equal("application/problem+json", webhook.Content.Headers.ContentType?.MediaType);

            using var another = await shop.PostCheckoutAsync(new { sku = "PHOTOSHRINK-PRO", quantity = 1, email = "bo@example.com", licenseeName = "Bo", provider = "paypal" });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, another.StatusCode);

            await using var rollback = blocker.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM orders"));
        // (the retry is a new transmission: PayPal signs each delivery attempt anew)

        // The provider retries; now it is stored and processed.
        using var retried = await shop.PostSignedWebhookAsync(body);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        await shop.WaitForStatusAsync(checkout, "paid");
    }
}
