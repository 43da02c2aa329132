using Orders.Tests.Infrastructure;

namespace Orders.Tests.Operations;

// A provider configured by half refuses to start, naming what to set, in every environment:
// otherwise it starts and answers every checkout or webhook with an error.
public sealed class ProviderSettingsTests
{
    [Theory]
    [InlineData("PayPal:ClientId=live-client", "PayPal:ClientSecret must be set when PayPal:ClientId is set.")]
    [InlineData("PayPal:ClientId=live-client", "PayPal:WebhookId must be set when PayPal:ClientId is set.")]
    [InlineData("PayPal:ClientId=live-client;PayPal:ClientSecret=live-secret;PayPal:WebhookId=WH-1", "PayPal:BaseUrl must be set when PayPal:ClientId is set.")]
    [InlineData("PayPal:ClientId=live-client;PayPal:ClientSecret=live-secret;PayPal:WebhookId=WH-1;PayPal:BaseUrl=api-m.paypal.com", "PayPal:BaseUrl must be an absolute URL")]
    [InlineData("Avangate:MerchantCode=MERCH;Avangate:SecretKey=live-secret;Avangate:BuyLinkSecret=live-secret", "Avangate:CheckoutUrl must be set when Avangate:MerchantCode is set.")]
    [InlineData("Avangate:MerchantCode=MERCH", "Avangate:SecretKey must be set when Avangate:MerchantCode is set.")]
    [InlineData("Avangate:MerchantCode=MERCH", "Avangate:BuyLinkSecret must be set when Avangate:MerchantCode is set.")]
    [InlineData("Stripe:SecretKey=sk_live_secret", "Stripe:WebhookSecret must be set when Stripe:SecretKey is set.")]
    // The reseller's secret without its merchant code would leave the reseller silently off.
    [InlineData("Stripe:SecretKey=sk_live_secret;Stripe:WebhookSecret=whsec_live_secret;Avangate:SecretKey=live-secret", "Avangate:MerchantCode must be set when Avangate:SecretKey is set.")]
    public void PartialProviderSettingsRefuseToStartNamingTheMissingKey(string settings, string expected)
    {
        using var app = new OrdersApp(settings: Parse(settings));
        var message = Assert.ThrowsAny<Exception>(() => app.Http()).ToString();
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain("live-secret", message, StringComparison.Ordinal);
    }

    [Fact]
    public void CompleteProviderSettingsStart()
    {
        using var app = new OrdersApp(settings: Parse(
            "Avangate:MerchantCode=MERCH;Avangate:SecretKey=live-secret;Avangate:BuyLinkSecret=live-secret;Avangate:CheckoutUrl=https://secure.2checkout.com/checkout/buy"));
        using var http = app.Http();
        Assert.NotNull(http.BaseAddress);
    }

    private static Dictionary<string, string?> Parse(string settings) =>
        settings.Split(';').Select(s => s.Split('=', 2)).ToDictionary(p => p[0], p => (string?)p[1]);
}
