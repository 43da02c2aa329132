using Orders.Tests.Infrastructure;

namespace Orders.Tests.Stripe;

public sealed class StripeConfigurationTests
{
    [Fact]
    public void ProductionWithAStripeKeyButNoWebhookSecretRefusesNamingTheSetting()
    {
        using var app = new OrdersApp(settings: new()
        {
            ["Stripe:SecretKey"] = "sk_live_not_a_real_key",
            ["Licensing:SigningKeyPem"] = Orders.Licensing.LicenseSigner.GeneratePrivateKeyPem(),
            ["Security:TokenSecret"] = new string('s', 40),
        });
        app.UseProductionEnvironment = true;
        var message = Assert.ThrowsAny<Exception>(() => app.Http()).ToString();
        Assert.Contains("Stripe:WebhookSecret", message, StringComparison.Ordinal);
        // A Stripe key alone is a real provider: the sandbox is off, so it is not the complaint.
        Assert.DoesNotContain("local sandbox", message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk_live_not_a_real_key", message, StringComparison.Ordinal);
    }

    [Fact]
    public void SessionLifetimeOutsideStripesLimitsIsRefusedAtStartUp()
    {
        using var app = new OrdersApp(settings: new() { ["Stripe:SessionLifetime"] = "00:10:00" });
        var message = Assert.ThrowsAny<Exception>(() => app.Http()).ToString();
        Assert.Contains("Stripe:SessionLifetime", message, StringComparison.Ordinal);
    }
}
