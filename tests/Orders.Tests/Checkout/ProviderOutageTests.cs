using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Orders.Api.PaymentEvents;
using Orders.Tests.Infrastructure;
using Orders.Tests.Stripe;

namespace Orders.Tests.Checkout;

// A provider that fails or cannot be reached is a 503 with Retry-After and words a customer
// understands, never a 500; at the return address the customer is told the payment is being
// confirmed, and the capture is retried until PayPal answers.
public sealed class ProviderOutageTests
{
    private static readonly Dictionary<string, string?> ManyCheckouts = new() { ["RateLimits:CheckoutPerMinute"] = "1000" };

    [Fact]
    public async Task CheckoutWhilePayPalFailsIsA503WithRetryAfterEveryTimeNeverA500()
    {
        await using var app = new OrdersApp(settings: ManyCheckouts, replaceServices: RetryAtOnce);
        var shop = new Shop(app);
        await shop.SetPayPalSandboxAsync(new { failApiCalls = true });

        // Enough failures to open the resilience handler's circuit: its BrokenCircuitException too is a 503.
        for (var i = 0; i < 12; i++)
        {
            using var response = await shop.PostCheckoutAsync(Checkout("paypal"));
            await AssertUnavailableAsync(response, "PayPal");
        }

        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM orders"));
    }

    [Fact]
    public async Task CheckoutWhilePayPalAndStripeCannotBeReachedIsA503AndTheResellerStillWorks()
    {
        var closed = $"http://127.0.0.1:{ClosedPort()}/";
        await using var app = new OrdersApp(settings: new(ManyCheckouts) { ["PayPal:BaseUrl"] = closed, ["Stripe:ApiBase"] = closed }, replaceServices: RetryAtOnce);
        var shop = new Shop(app);

        using (var paypal = await shop.PostCheckoutAsync(Checkout("paypal")))
        {
            await AssertUnavailableAsync(paypal, "PayPal");
        }

        using (var stripe = await shop.PostCheckoutAsync(Checkout("stripe")))
        {
            await AssertUnavailableAsync(stripe, "Stripe");
        }

        // The reseller's buy-link is signed here: nothing is called at checkout.
        using var reseller = await shop.PostCheckoutAsync(Checkout("avangate"));
        Assert.Equal(HttpStatusCode.Created, reseller.StatusCode);
    }

    [Fact]
    public async Task CheckoutWhileStripeFailsIsA503WithRetryAfter()
    {
        await using var app = new OrdersApp(settings: ManyCheckouts);
        var shop = new Shop(app);
        await new StripeShop(app, shop).SettingsAsync(new { failApiCalls = true });

        for (var i = 0; i < 3; i++)
        {
            using var response = await shop.PostCheckoutAsync(Checkout("stripe"));
            await AssertUnavailableAsync(response, "Stripe");
        }
    }

    [Fact]
    public async Task ReturnFromPayPalWhileItsApiFailsSaysWeAreConfirmingAndTheCaptureHappensLater()
    {
        await using var app = new OrdersApp(replaceServices: RetryAtOnce);
        var shop = new Shop(app);
        var checkout = await shop.CheckoutAsync();
        await shop.SetPayPalSandboxAsync(new { dropWebhooks = true });
        var returnUrl = await shop.ApproveAsync(checkout);
        await shop.SetPayPalSandboxAsync(new { dropWebhooks = true, failApiCalls = true });

        using var back = await shop.Http.GetAsync(returnUrl.PathAndQuery);
        Assert.Equal(HttpStatusCode.SeeOther, back.StatusCode);
        using var page = await shop.Http.GetAsync(back.Headers.Location!.OriginalString);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("We are confirming your payment with PayPal.", html, StringComparison.Ordinal);
        // The customer asks again (or the page's script asks the status API); it never reloads by itself.
        Assert.Contains("data-testid=\"check-again\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http-equiv", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Nothing was changed", html, StringComparison.Ordinal);
        Assert.Equal("pending", (await shop.OrderAsync(checkout))!.Status);
        // The customer's return is kept until PayPal has answered it.
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE event_type = 'BUYER.RETURNED' AND processed_at IS NULL"));

        await shop.SetPayPalSandboxAsync(new { dropWebhooks = true, failApiCalls = false });
        app.Clock.Advance(TimeSpan.FromMinutes(11));
        using (var scope = app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<ReconciliationJob>().ReconcileAsync(CancellationToken.None);
        }

        var paid = await shop.WaitForStatusAsync(checkout, "paid");
        Assert.Single(paid!.Licenses);
    }

    // PayPal's client retries a failed call with growing pauses (2 s, 4 s, 8 s) before the service
    // answers 503; here the same retries follow each other at once, which is all that changes.
    private static void RetryAtOnce(IServiceCollection services) =>
        services.PostConfigureAll<HttpStandardResilienceOptions>(o => o.Retry.Delay = TimeSpan.FromMilliseconds(20));

    private static object Checkout(string provider) =>
        new { sku = "PHOTOSHRINK-PRO", quantity = 1, email = "ada@example.com", licenseeName = "Ada Lovelace", provider };

    private static async Task AssertUnavailableAsync(HttpResponseMessage response, string providerName)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(60), response.Headers.RetryAfter?.Delta);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"{providerName} is not answering right now. No order was created and nothing was charged; please try again in a minute.",
            problem.GetProperty("detail").GetString());
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
