using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Orders.Licensing;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.PurchasePath;

public sealed class PurchasePathTests : ServiceTest
{
    [Fact]
    public async Task CheckoutApproveAndReturnPaysTheOrderAndMailsAVerifiableLicense()
    {
        var checkout = await shop.CheckoutAsync(quantity: 3, email: "ada@example.com", licenseeName: "Ada Lovelace");
        Assert.Equal("pending", checkout.Status);
        Assert.StartsWith($"/orders/{checkout.OrderNumber}?token=", checkout.StatusUrl, StringComparison.Ordinal);
        Assert.Contains("/sandbox/paypal/checkoutnow?token=", checkout.RedirectUrl, StringComparison.Ordinal);

        var returnUrl = await shop.ApproveAsync(checkout);
        using var back = await shop.Http.GetAsync(returnUrl.PathAndQuery);
        Assert.Equal(HttpStatusCode.SeeOther, back.StatusCode);
        Assert.Equal(checkout.StatusUrl, back.Headers.Location!.OriginalString);

        // The return captured synchronously: the status page is already paid.
        var order = await shop.OrderAsync(checkout);
        Assert.NotNull(order);
        Assert.Equal("paid", order.Status);
        Assert.NotNull(order.PaidAt);
        Assert.Equal(14700, order.TotalMinor);
        var license = Assert.Single(order.Licenses);
        Assert.Equal(3, license.Seats);
        Assert.Equal("active", license.Status);

        var publicKey = await shop.Http.GetFromJsonAsync<JsonElement>("/api/licenses/public-key");
        var verified = LicenseVerifier.Verify(license.Key, publicKey.GetProperty("publicKeyPem").GetString()!);
        Assert.True(verified.IsValid, verified.Message);
        Assert.Equal("Ada Lovelace", verified.License!.LicenseeName);
        Assert.Equal(checkout.OrderNumber, verified.License.OrderNumber);
        Assert.Equal("PHOTOSHRINK-PRO", verified.License.Sku);
        Assert.Equal(3, verified.License.Seats);

        var mail = await MimeMessage.LoadAsync(Assert.Single(await shop.WaitForMailsAsync(checkout.OrderNumber)));
        Assert.Equal("ada@example.com", Assert.Single(mail.To.Mailboxes).Address);
        Assert.Contains(license.Key, mail.TextBody, StringComparison.Ordinal);
        Assert.Contains(license.Key, mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains(checkout.OrderNumber, mail.Subject, StringComparison.Ordinal);

        // Exactly one license and one e-mail, even though the capture webhook also arrived.
        await app.WaitUntilIdleAsync();
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM licenses"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries"));
        Assert.Single(await shop.WaitForMailsAsync(checkout.OrderNumber));
    }

    [Fact]
    public async Task CustomerWhoNeverComesBackIsStillPaidThroughWebhooks()
    {
        var checkout = await shop.CheckoutAsync();
        await shop.ApproveAsync(checkout); // the browser closes here: no return visit

        var order = await shop.WaitForStatusAsync(checkout, "paid");
        Assert.Single(order!.Licenses);
        Assert.Single(await shop.WaitForMailsAsync(checkout.OrderNumber));
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NULL"), n => n == 0, what: "every event processed");
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM licenses"));
    }

    [Fact]
    public async Task CancelOnThePayPalPageCancelsTheOrder()
    {
        var checkout = await shop.CheckoutAsync();
        using var cancel = await shop.Http.GetAsync($"/checkout/paypal/cancel?token={checkout.PayPalOrderId}&st={Uri.EscapeDataString(checkout.Token)}");
        Assert.Equal(HttpStatusCode.SeeOther, cancel.StatusCode);
        var order = await shop.OrderAsync(checkout);
        Assert.Equal("canceled", order!.Status);
        Assert.Empty(order.Licenses);
    }

    [Fact]
    public async Task ReturnWithoutTheStatusTokenRevealsNothing()
    {
        var checkout = await shop.CheckoutAsync();
        await shop.ApproveAsync(checkout);
        using var response = await shop.Http.GetAsync($"/checkout/paypal/return?token={checkout.PayPalOrderId}&PayerID=X");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task RefundAtPayPalRevokesTheLicense()
    {
        var checkout = await shop.CheckoutAsync();
        var returnUrl = await shop.ApproveAsync(checkout);
        (await shop.Http.GetAsync(returnUrl.PathAndQuery)).Dispose();
        var paid = await shop.WaitForStatusAsync(checkout, "paid");

        var captureId = await CaptureIdAsync(checkout);
        var refund = await app.Service<Orders.Api.Payments.PayPal.PayPalClient>()
            .RefundCaptureAsync(captureId, new(null, null), $"refund-{checkout.OrderNumber}", CancellationToken.None);
        Assert.Equal("COMPLETED", refund.Status);

        var refunded = await shop.WaitForStatusAsync(checkout, "refunded");
        Assert.Equal("revoked", Assert.Single(refunded!.Licenses).Status);
        Assert.Equal(paid!.Licenses[0].Key, refunded.Licenses[0].Key);
    }

    [Fact]
    public async Task RefundWeAskedForAndPayPalsRefundWebhookAreOneRefund()
    {
        var checkout = await shop.CheckoutAsync();
        var returnUrl = await shop.ApproveAsync(checkout);
        (await shop.Http.GetAsync(returnUrl.PathAndQuery)).Dispose();
        await shop.WaitForStatusAsync(checkout, "paid");
        var captureId = await CaptureIdAsync(checkout);

        using (var scope = app.Services.CreateScope())
        {
            var provider = scope.ServiceProvider.GetRequiredService<Orders.Api.Payments.PayPal.PayPalProvider>();
            var outcome = await provider.RefundAsync(new(checkout.OrderNumber, checkout.PayPalOrderId, captureId, 4900, "USD", $"refund-{checkout.OrderNumber}"), CancellationToken.None);
            Assert.Null(outcome.NotPossibleReason);
            var stored = await scope.ServiceProvider.GetRequiredService<Orders.Api.PaymentEvents.PaymentEventStore>().StoreAsync(outcome.Refund!, CancellationToken.None);
            await scope.ServiceProvider.GetRequiredService<Orders.Api.PaymentEvents.PaymentEventApplier>().ApplyAsync(stored.InboxId, CancellationToken.None);
        }

        Assert.Equal("refunded", (await shop.OrderAsync(checkout))!.Status);
        // The sandbox's PAYMENT.CAPTURE.REFUNDED webhook arrives and is recognised as the same refund.
        await Eventually.GetAsync(() => GetDeliveredRefundWebhooksAsync(), n => n >= 1, what: "the refund webhook to be delivered");
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Refunded'"));
    }

    private async Task<int> GetDeliveredRefundWebhooksAsync()
    {
        var deliveries = await shop.Http.GetFromJsonAsync<JsonElement[]>("/sandbox/paypal/_webhooks");
        return deliveries!.Count(d => d.GetProperty("eventType").GetString() == "PAYMENT.CAPTURE.REFUNDED" && d.GetProperty("delivered").GetBoolean());
    }

    [Fact]
    public async Task PartialRefundKeepsTheLicenseAndASecondRefundCompletesIt()
    {
        var checkout = await shop.CheckoutAsync(); // 49.00 USD
        var returnUrl = await shop.ApproveAsync(checkout);
        (await shop.Http.GetAsync(returnUrl.PathAndQuery)).Dispose();
        await shop.WaitForStatusAsync(checkout, "paid");
        var captureId = await CaptureIdAsync(checkout);

        // Refunds made in PayPal's dashboard: PayPal notifies, the service confirms each with the API.
        var first = await shop.RefundAtPayPalAsync(captureId, "20.00");
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE provider_refund_ref = @r AND kind = 'Refunded' AND processed_at IS NOT NULL", new { r = first }), n => n == 1);
        Assert.Equal("paid", (await shop.OrderAsync(checkout))!.Status);

        await shop.RefundAtPayPalAsync(captureId, "29.00");
        var refunded = await shop.WaitForStatusAsync(checkout, "refunded");
        Assert.Equal("revoked", refunded!.Licenses[0].Status);
    }

    private async Task<string> CaptureIdAsync(CheckoutDto checkout)
    {
        await using var connection = await app.Db.OpenAsync(CancellationToken.None);
        return await Dapper.SqlMapper.ExecuteScalarAsync<string>(connection,
            "SELECT provider_transaction_ref FROM orders WHERE order_number = @n", new { n = checkout.OrderNumber }) ?? throw new InvalidOperationException("no capture");
    }
}
