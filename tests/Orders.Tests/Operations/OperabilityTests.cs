using System.Net;
using System.Text.Json;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Operations;

public sealed class OperabilityTests() : ServiceTest(new() { ["Telemetry:PrometheusEnabled"] = "true" })
{
    [Fact]
    public async Task LivenessAndReadinessReportEachCheck()
    {
        using var live = await shop.Http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        using var ready = await shop.Http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var body = await ready.ReadAsync<JsonElement>();
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        foreach (var check in new[] { "database", "migrations", "job-storage" })
        {
            Assert.Equal("Healthy", body.GetProperty("checks").GetProperty(check).GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task ReadinessFailsWhenTheDatabaseIsGone()
    {
        (await shop.Http.GetAsync("/health/live")).Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(app.DataDirectory, recursive: true);
        // A directory where the database file was: SQLite cannot open it.
        Directory.CreateDirectory(app.DatabasePath);

        using var ready = await shop.Http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var body = await ready.ReadAsync<JsonElement>();
        Assert.Equal("Unhealthy", body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.DoesNotContain("Data Source", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var live = await shop.Http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task OpenApiDocumentDescribesThePublicEndpointsButNotTheSandbox()
    {
        using var response = await shop.Http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await response.ReadAsync<JsonElement>();
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var path in new[] { "/api/products", "/api/checkout", "/api/orders/{orderNumber}", "/api/licenses/public-key", "/webhooks/paypal", "/checkout/paypal/return" })
        {
            Assert.Contains(path, paths);
        }

        Assert.DoesNotContain(paths, p => p.StartsWith("/sandbox", StringComparison.Ordinal));
        var checkout = document.GetProperty("paths").GetProperty("/api/checkout").GetProperty("post").GetProperty("responses");
        Assert.True(checkout.TryGetProperty("201", out _));
        Assert.True(checkout.TryGetProperty("400", out _));
    }

    [Fact]
    public async Task MetricsCountCheckoutsWebhooksAndPaidOrders()
    {
        var checkout = await shop.CheckoutAsync();
        var returnUrl = await shop.ApproveAsync(checkout);
        (await shop.Http.GetAsync(returnUrl.PathAndQuery)).Dispose();
        await shop.WaitForMailsAsync(checkout.OrderNumber);
        (await shop.PostWebhookAsync("{}"u8.ToArray(), new Dictionary<string, string>())).Dispose();

        var metrics = await Eventually.GetAsync(
            async () => await (await shop.Http.GetAsync("/metrics")).Content.ReadAsStringAsync(),
            text => text.Contains("orders_emails_sent", StringComparison.Ordinal) && text.Contains("orders_webhooks_received", StringComparison.Ordinal),
            what: "metrics to be exported");
        Assert.Contains("orders_checkouts_started", metrics, StringComparison.Ordinal);
        Assert.Contains("provider=\"paypal\"", metrics, StringComparison.Ordinal);
        Assert.Contains("orders_paid", metrics, StringComparison.Ordinal);
        Assert.Contains("orders_webhooks_rejected", metrics, StringComparison.Ordinal);
        Assert.Contains("orders_jobs_duration", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("ada@example.com", metrics, StringComparison.Ordinal);
    }
}

public sealed class ProductionGuardTests
{
    [Fact]
    public void ProductionRefusesSandboxPaymentsAndGeneratedKeysNamingTheSettings()
    {
        using var app = new OrdersApp(settings: new() { ["Environment"] = "Production" });
        app.UseProductionEnvironment = true;
        var error = Assert.ThrowsAny<Exception>(() => app.Http());
        var message = error.ToString();
        Assert.Contains("Refusing to start in Production", message, StringComparison.Ordinal);
        Assert.Contains("PayPal:ClientId", message, StringComparison.Ordinal);
        Assert.Contains("Licensing:SigningKeyPem", message, StringComparison.Ordinal);
        Assert.Contains("Security:TokenSecret", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProductionWithRealSettingsButNoSecretStillRefuses()
    {
        using var app = new OrdersApp(settings: new()
        {
            ["PayPal:BaseUrl"] = "https://api-m.paypal.com",
            ["PayPal:ClientId"] = "live-client",
            ["PayPal:ClientSecret"] = "live-secret",
            ["Licensing:SigningKeyPem"] = Orders.Licensing.LicenseSigner.GeneratePrivateKeyPem(),
        });
        app.UseProductionEnvironment = true;
        var message = Assert.ThrowsAny<Exception>(() => app.Http()).ToString();
        Assert.Contains("PayPal:WebhookId", message, StringComparison.Ordinal);
        Assert.Contains("Security:TokenSecret", message, StringComparison.Ordinal);
        Assert.DoesNotContain("live-secret", message, StringComparison.Ordinal);
    }
}
