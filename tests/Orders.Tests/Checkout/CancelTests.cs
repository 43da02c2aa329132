using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orders.Tests.Avangate;
using Orders.Tests.Infrastructure;
using Orders.Tests.Stripe;

namespace Orders.Tests.Checkout;

// The customer's cancel link never undoes a payment: the provider is asked, and an order becomes
// canceled only when it confirms that nothing was paid. The page after it says what is true and
// offers the way back to the payment page (while it can still be paid) and another payment method.
public sealed class CancelTests : ServiceTest
{
    [Fact]
    public async Task PayPalCancelLinkAfterPaymentLeavesThePaidOrderAndItsLicense()
    {
        var checkout = await shop.CheckoutAsync();
        var cancelUrl = await PayPalCancelUrlAsync(checkout); // taken before paying, as an attacker would keep it
        var returnUrl = await shop.ApproveAsync(checkout);
        (await shop.Http.GetAsync(returnUrl.PathAndQuery)).Dispose();
        await shop.WaitForStatusAsync(checkout, "paid");

        // The link PayPal hands back (token=PayPal order id) and the same link without the order number.
        var page = await FollowAsync(cancelUrl);
        var bare = await FollowAsync($"/checkout/paypal/cancel?token={checkout.PayPalOrderId}&st={Uri.EscapeDataString(checkout.Token)}");

        var order = await shop.OrderAsync(checkout);
        Assert.Equal("paid", order!.Status);
        Assert.Equal("active", Assert.Single(order.Licenses).Status);
        Assert.DoesNotContain("Nothing was charged", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Nothing was charged", bare, StringComparison.Ordinal);
        Assert.Contains("Your payment is confirmed", page, StringComparison.Ordinal);
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Canceled'"));
    }

    [Fact]
    public async Task PayPalCancelBeforeApprovalCancelsAndTheCustomerCanStillGoBackAndPay()
    {
        var checkout = await shop.CheckoutAsync();

        var page = await FollowAsync(await PayPalCancelUrlAsync(checkout));

        Assert.Equal("canceled", (await shop.OrderAsync(checkout))!.Status);
        Assert.Contains("You canceled the payment at PayPal. Nothing was charged.", page, StringComparison.Ordinal);
        Assert.Contains($"href=\"{checkout.RedirectUrl}\"", page.Replace("&amp;", "&", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("href=\"/buy/PHOTOSHRINK-PRO\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("http-equiv=\"refresh\"", page, StringComparison.Ordinal);

        // Back on PayPal's page, the customer pays after all: money after a cancel still counts.
        var returnUrl = await shop.ApproveAsync(checkout);
        (await shop.Http.GetAsync(returnUrl.PathAndQuery)).Dispose();
        var paid = await shop.WaitForStatusAsync(checkout, "paid");
        Assert.Single(paid!.Licenses);
    }

    [Fact]
    public async Task PayPalCancelAfterApprovalLeavesTheOrderToItsCapture()
    {
        var checkout = await shop.CheckoutAsync();
        await shop.SetPayPalSandboxAsync(new { dropWebhooks = true });
        await shop.ApproveAsync(checkout);

        var page = await FollowAsync($"/checkout/paypal/cancel?order={checkout.OrderNumber}&st={Uri.EscapeDataString(checkout.Token)}");

        Assert.Equal("pending", (await shop.OrderAsync(checkout))!.Status);
        Assert.Contains("has not confirmed a payment", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Nothing was charged.", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StripeCancelExpiresTheSessionBeforeTheOrderIsCanceled()
    {
        var stripe = new StripeShop(app, shop);
        var checkout = await stripe.CheckoutAsync();

        using var cancel = await shop.Http.PostAsync($"/sandbox/stripe/c/pay/{StripeShop.SessionId(checkout)}/cancel", null);
        Assert.Equal(HttpStatusCode.SeeOther, cancel.StatusCode);
        var page = await FollowAsync(cancel.Headers.Location!.PathAndQuery);

        Assert.Equal("canceled", (await shop.OrderAsync(checkout))!.Status);
        var session = await StripeSessionAsync(checkout);
        Assert.Equal("expired", session.GetProperty("status").GetString());
        Assert.Contains("You canceled the payment at Stripe. Nothing was charged.", page, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"back-to-payment\"", page, StringComparison.Ordinal); // the session can no longer be paid
        Assert.Contains("data-testid=\"another-method\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("http-equiv=\"refresh\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StripeCancelOfASessionAlreadyPaidRecordsThePayment()
    {
        var stripe = new StripeShop(app, shop);
        var checkout = await stripe.CheckoutAsync();
        await stripe.SettingsAsync(new { dropWebhooks = true });
        await stripe.PayAsync(checkout);

        (await shop.Http.GetAsync($"/checkout/stripe/cancel?order={checkout.OrderNumber}&st={Uri.EscapeDataString(checkout.Token)}")).Dispose();

        var order = await shop.WaitForStatusAsync(checkout, "paid");
        Assert.Single(order!.Licenses);
    }

    [Fact]
    public async Task ResellerCartCancelLandsOnAnHonestPageThatStopsRefreshing()
    {
        var reseller = new AvangateShop(app, shop);
        var checkout = await reseller.CheckoutAsync();
        var refNo = await reseller.OpenCartAsync(checkout);

        // The cart has no cancel address: it sends the customer back to the return address, the status page.
        using var cancel = await shop.Http.PostAsync($"/sandbox/avangate/checkout/cart/{refNo}/cancel", null);
        Assert.Equal(HttpStatusCode.SeeOther, cancel.StatusCode);
        var page = await PageAsync(cancel.Headers.Location!.PathAndQuery);

        Assert.Equal("pending", (await shop.OrderAsync(checkout))!.Status); // the reseller cannot be asked
        Assert.Contains("2Checkout", page, StringComparison.Ordinal);
        Assert.Contains("If you left without paying, nothing was charged.", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"back-to-payment\"", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"another-method\"", page, StringComparison.Ordinal);

        app.Clock.Advance(TimeSpan.FromMinutes(16));
        var later = await PageAsync(cancel.Headers.Location!.PathAndQuery);
        Assert.DoesNotContain("http-equiv=\"refresh\"", later, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"check-again\"", later, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancelLinkWithAWrongTokenChangesNothing()
    {
        var checkout = await shop.CheckoutAsync();

        using var response = await shop.Http.GetAsync($"/checkout/paypal/cancel?order={checkout.OrderNumber}&st=wrong");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("pending", (await shop.OrderAsync(checkout))!.Status);
    }

    // What Cancel on PayPal's page does: back to the cancel_url the service gave, with token=<order id>.
    private async Task<string> PayPalCancelUrlAsync(CheckoutDto checkout)
    {
        using var response = await shop.Http.PostAsync($"/sandbox/paypal/checkoutnow/{checkout.PayPalOrderId}/cancel", null);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        return response.Headers.Location!.PathAndQuery;
    }

    private async Task<string> FollowAsync(string path)
    {
        using var response = await shop.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        return await PageAsync(response.Headers.Location!.OriginalString);
    }

    private async Task<string> PageAsync(string path)
    {
        using var page = await shop.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        return await page.Content.ReadAsStringAsync();
    }

    private async Task<JsonElement> StripeSessionAsync(CheckoutDto checkout)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/sandbox/stripe/v1/checkout/sessions/{StripeShop.SessionId(checkout)}");
        request.Headers.Authorization = new("Bearer", StripeShop.SandboxSecretKey);
        using var response = await shop.Http.SendAsync(request);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
