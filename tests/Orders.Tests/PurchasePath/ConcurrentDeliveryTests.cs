using System.Net;
using System.Text;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.PurchasePath;

// Races the database must settle: the same event delivered five times at once, and a refund that
// overtakes the payment. Runs on every database (tests/Orders.Tests.PostgreSql, …SqlServer).
public sealed class ConcurrentDeliveryTests : ServiceTest
{
    [Fact]
    public async Task ConcurrentDuplicateWebhooksIssueOneLicense()
    {
        var checkout = await shop.CheckoutAsync();
        var captureId = await shop.PaidAtPayPalSilentlyAsync(checkout);
        var body = Encoding.UTF8.GetBytes(PayPalEventsFactory.CaptureEvent("PAYMENT.CAPTURE.COMPLETED", checkout.OrderNumber, checkout.PayPalOrderId, captureId, "49.00").ToJsonString());
        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => shop.PostSignedWebhookAsync(body)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await shop.WaitForStatusAsync(checkout, "paid");
        await shop.WaitForMailsAsync(checkout.OrderNumber);
        // One row for the five deliveries (the service's own confirmation with PayPal is another).
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE event_type = 'PAYMENT.CAPTURE.COMPLETED'"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM licenses"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries"));
    }
}
