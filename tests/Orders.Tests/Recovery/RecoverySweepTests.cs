using Dapper;
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
            // Paid through Stripe, whose signed events are applied as they are (a PayPal notification
            // would be confirmed with PayPal, and the in-process sandbox dies with the process).
            var stripe = new Orders.Tests.Stripe.StripeShop(first, shop);
            webhookOnly = await stripe.CheckoutAsync(email: "one@example.com");
            using (var response = await stripe.PostSignedWebhookAsync(Orders.Tests.Stripe.StripeEventsFactory.Event("checkout.session.completed",
                Orders.Tests.Stripe.StripeEventsFactory.Session(Orders.Tests.Stripe.StripeShop.SessionId(webhookOnly), webhookOnly.OrderNumber, 4900))))
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

    [Fact]
    public async Task ABacklogLargerThanOneSweepPageIsAllPickedUpAtStartUp()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "orders-tests", Guid.NewGuid().ToString("N"));
        await using (var first = new OrdersApp(dataDirectory, new() { ["Jobs:RunServer"] = "false" }))
        {
            // 1,200 stored events whose jobs died with the process (more than two sweep pages of 500).
            await using var connection = await first.Db.OpenAsync(CancellationToken.None);
            await using var tx = await connection.BeginTransactionAsync();
            for (var i = 0; i < 1200; i++)
            {
                await connection.ExecuteAsync(
                    "INSERT INTO webhook_inbox (provider, provider_event_id, event_type, kind, order_number, received_at) VALUES ('paypal', @Id, 'PAYMENT.CAPTURE.COMPLETED', 'Paid', @Number, @Now)",
                    new { Id = $"WH-LOST-{i}", Number = $"ORD-NOSUCHORDER{i}", Now = DateTime.UtcNow }, tx);
            }

            await tx.CommitAsync();
        }

        // The minutely sweep would take two more minutes for what one start-up page leaves.
        await using var second = new OrdersApp(dataDirectory);
        var shop = new Shop(second);
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NULL"), n => n == 0,
            TimeSpan.FromSeconds(45), "every stored event processed after the restart");
        Assert.Equal(1200, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE outcome = 'no matching order'"));
    }
}
