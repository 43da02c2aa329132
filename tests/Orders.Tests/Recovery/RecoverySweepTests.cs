using System.Net;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Recovery;

public sealed class RecoverySweepTests
{
    [Fact]
    public async Task WorkLostWithTheJobStorageIsFinishedAfterARestart()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "orders-tests", Guid.NewGuid().ToString("N"));
        CheckoutDto webhookOnly, returned;

        // First life: webhooks are stored and jobs enqueued, but no job server runs, and the
        // in-memory job storage dies with the process.
        await using (var first = new OrdersApp(dataDirectory, new() { ["Jobs:RunServer"] = "false" }))
        {
            var shop = new Shop(first);
            webhookOnly = await shop.CheckoutAsync(email: "one@example.com");
            using (var response = await shop.PostSignedWebhookAsync(PayPalEventsFactory.CaptureEvent(
                "PAYMENT.CAPTURE.COMPLETED", webhookOnly.OrderNumber, webhookOnly.PayPalOrderId, "CAPTURE0000000000R", "49.00")))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            // The customer's return captures inline: paid, licensed, e-mail queued but never sent.
            returned = await shop.CheckoutAsync(email: "two@example.com");
            var returnUrl = await shop.ApproveAsync(returned);
            (await shop.Http.GetAsync(returnUrl.PathAndQuery)).Dispose();
            Assert.Equal("paid", (await shop.OrderAsync(returned))!.Status);

            Assert.Equal("pending", (await shop.OrderAsync(webhookOnly))!.Status);
            Assert.True(await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NULL") >= 1);
            Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'"));
            Assert.False(Directory.Exists(first.OutboxDirectory) && Directory.GetFiles(first.OutboxDirectory, "*.eml").Length > 0);
        }

        // Second life: the start-up sweep finds the unfinished work in the database.
        await using var second = new OrdersApp(dataDirectory);
        var again = new Shop(second);
        var paid = await again.WaitForStatusAsync(webhookOnly, "paid");
        Assert.Single(paid!.Licenses);
        Assert.Single(await again.WaitForMailsAsync(webhookOnly.OrderNumber));
        Assert.Single(await again.WaitForMailsAsync(returned.OrderNumber));
        Assert.Equal(2, await again.CountAsync("SELECT COUNT(*) FROM licenses"));
        await Eventually.GetAsync(() => again.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"), n => n == 2);
    }
}
