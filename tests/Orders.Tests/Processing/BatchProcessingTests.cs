using System.Net;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Orders.Api.Data;
using Orders.Api.Mail;
using Orders.Api.PaymentEvents;
using Orders.Api.Payments;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Processing;

// Events are applied in groups (one transaction per group) and e-mails claimed, sent and marked in
// batches. The jobs are run by hand here (no job server), as often and as concurrently as a retry
// racing the recovery sweep could run them.
public sealed class BatchProcessingTests() : ServiceTest(new() { ["Jobs:RunServer"] = "false" })
{
    [Fact]
    public async Task TheSameEventInTwoBatchesIssuesOneLicenseAndOneEmail()
    {
        var (first, firstId) = await PaidEventStoredAsync("CAPTURE00000000001", "one@example.com");
        var (second, secondId) = await PaidEventStoredAsync("CAPTURE00000000002", "two@example.com");

        // The same ids in two batches running at once, and twice within one batch.
        await Task.WhenAll(
            RunBatchAsync([firstId, secondId, firstId]),
            RunBatchAsync([secondId, firstId]),
            RunBatchAsync([firstId]));

        Assert.Equal("paid", (await shop.OrderAsync(first))!.Status);
        Assert.Equal("paid", (await shop.OrderAsync(second))!.Status);
        Assert.Equal(2, await shop.CountAsync("SELECT COUNT(*) FROM licenses"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM licenses l JOIN orders o ON o.id = l.order_id WHERE o.order_number = @N", new { N = first.OrderNumber }));
        Assert.Equal(2, await shop.CountAsync("SELECT COUNT(*) FROM deliveries"));
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NULL"));

        // The e-mails, also in overlapping batches: each row claimed and sent once.
        var deliveries = (await QueryAsync<long>("SELECT id FROM deliveries ORDER BY id")).ToArray();
        await Task.WhenAll(SendBatchAsync([.. deliveries, .. deliveries]), SendBatchAsync(deliveries), SendOneAsync(deliveries[0]));

        Assert.Equal(2, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'sent' AND attempts = 1 AND claimed_until IS NULL"));
        Assert.Single(Directory.GetFiles(app.OutboxDirectory, $"*{first.OrderNumber}*.eml"));
        Assert.Single(Directory.GetFiles(app.OutboxDirectory, $"*{second.OrderNumber}*.eml"));
        var mail = await MimeMessage.LoadAsync(Directory.GetFiles(app.OutboxDirectory, $"*{first.OrderNumber}*.eml")[0]);
        Assert.Equal("one@example.com", Assert.Single(mail.To.Mailboxes).Address);
        Assert.Contains((await shop.OrderAsync(first))!.Licenses[0].Key, mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEventThatFailsInAGroupIsRetriedAloneAndTheOthersAreStillApplied()
    {
        var (first, firstId) = await PaidEventStoredAsync("CAPTURE00000000003", "three@example.com");
        var (second, secondId) = await PaidEventStoredAsync("CAPTURE00000000004", "four@example.com");
        // A row the state machine cannot read (an unknown kind) fails the group's transaction.
        await ExecuteAsync("""
            INSERT INTO webhook_inbox (provider, provider_event_id, event_type, kind, order_number, received_at)
            VALUES ('paypal', 'WH-BROKEN', 'PAYMENT.CAPTURE.COMPLETED', 'NoSuchKind', @N, @Now)
            """, new { N = second.OrderNumber, Now = DateTime.UtcNow });
        var brokenId = (await QueryAsync<long>("SELECT id FROM webhook_inbox WHERE provider_event_id = 'WH-BROKEN'")).Single();

        await RunBatchAsync([firstId, brokenId, secondId]);

        Assert.Equal("paid", (await shop.OrderAsync(first))!.Status);
        Assert.Equal("paid", (await shop.OrderAsync(second))!.Status);
        Assert.Equal(2, await shop.CountAsync("SELECT COUNT(*) FROM licenses"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE id = @Id AND processed_at IS NULL AND attempts = 1 AND last_error IS NOT NULL", new { Id = brokenId }));
        Assert.Contains(app.Logs.Lines, l => l.Contains("applying them one at a time", StringComparison.Ordinal));
        Assert.Contains(app.Logs.Lines, l => l.Contains($"Inbox {brokenId} failed in a batch", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AGroupMakesWayForAWaitingCheckoutAndAppliesTheRestAfterIt()
    {
        var stored = new List<(CheckoutDto Checkout, long InboxId)>();
        for (var i = 0; i < 4; i++)
        {
            stored.Add(await PaidEventStoredAsync($"CAPTURE0000000010{i}", $"group{i}@example.com"));
        }

        // Another connection holds SQLite's write lock, so the group's job, once it has the write
        // turn, waits inside SQLite before its first event; meanwhile a checkout queues for the turn.
        await using var other = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False");
        await other.OpenAsync();
        var locked = other.BeginTransaction(deferred: false);
        var job = Task.Run(() => RunBatchAsync([.. stored.Select(s => s.InboxId)]));
        var checkoutTurn = await QueuedBehindTheJobAsync(WritePriority.Interactive);
        Assert.True(app.Db.InteractiveWriterWaiting);
        locked.Rollback();
        locked.Dispose();

        // The group committed its first event and let the checkout in; the rest waits for it.
        using (await checkoutTurn.WaitAsync(TimeSpan.FromSeconds(30)))
        {
            Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NOT NULL"));
            Assert.False(job.IsCompleted);
        }

        await job.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NULL"));
        Assert.Equal(4, await shop.CountAsync("SELECT COUNT(*) FROM licenses"));
        foreach (var (checkout, _) in stored)
        {
            Assert.Equal("paid", (await shop.OrderAsync(checkout))!.Status);
        }
    }

    // A write turn that had to queue because the job holds the turn (taken and given back until then).
    private async Task<Task<Db.WriteTurn>> QueuedBehindTheJobAsync(WritePriority priority)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var turn = app.Db.WriteTurnAsync(priority, CancellationToken.None).AsTask();
            if (!turn.IsCompleted)
            {
                return turn;
            }

            (await turn).Dispose();
            Assert.True(DateTime.UtcNow < deadline, "The job never took the write turn.");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task AClaimLeftByACrashedSenderIsTakenOverWhenMailClaimLengthRunsOut()
    {
        await using var shortClaims = new OrdersApp(settings: new() { ["Jobs:RunServer"] = "false", ["Mail:ClaimLength"] = "00:00:20" });
        var local = new Shop(shortClaims);
        var (checkout, inboxId) = await PaidEventStoredAsync(local, shortClaims, "CAPTURE00000000005", "five@example.com");
        await RunBatchAsync(shortClaims, [inboxId]);
        var deliveryId = (await QueryAsync<long>(shortClaims, "SELECT id FROM deliveries")).Single();
        // A sender claimed the row (as the job does) and was killed before "sent".
        await ExecuteAsync(shortClaims, "UPDATE deliveries SET status = 'sending', attempts = 1, claimed_until = @Until WHERE id = @Id",
            new { Id = deliveryId, Until = shortClaims.Clock.GetUtcNow().UtcDateTime.AddSeconds(20) });

        await SendOneAsync(shortClaims, deliveryId);
        Assert.Equal(1, await local.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'sending'"));

        shortClaims.Clock.Advance(TimeSpan.FromSeconds(21));
        await SendOneAsync(shortClaims, deliveryId);
        Assert.Equal(1, await local.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'sent' AND attempts = 2"));
        Assert.Single(Directory.GetFiles(shortClaims.OutboxDirectory, $"*{checkout.OrderNumber}*.eml"));
    }

    [Fact]
    public async Task ClaimsOfAKilledServiceAreReleasedAtStartUpOnSqlite()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "orders-tests", Guid.NewGuid().ToString("N"));
        CheckoutDto checkout;
        await using (var first = new OrdersApp(dataDirectory, new() { ["Jobs:RunServer"] = "false" }))
        {
            var local = new Shop(first);
            (checkout, var inboxId) = await PaidEventStoredAsync(local, first, "CAPTURE00000000006", "six@example.com");
            await RunBatchAsync(first, [inboxId]);
            // Claimed for the default five minutes, then the process died.
            await ExecuteAsync(first, "UPDATE deliveries SET status = 'sending', attempts = 1, claimed_until = @Until",
                new { Until = first.Clock.GetUtcNow().UtcDateTime.AddMinutes(5) });
        }

        // The next life sends it at once instead of five minutes later.
        await using var second = new OrdersApp(dataDirectory);
        var again = new Shop(second);
        Assert.Single(await again.WaitForMailsAsync(checkout.OrderNumber));
        await Eventually.GetAsync(() => again.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"), n => n == 1);
        Assert.Contains(second.Logs.Lines, l => l.Contains("Released 1 e-mail claim(s)", StringComparison.Ordinal));
    }

    private Task<(CheckoutDto Checkout, long InboxId)> PaidEventStoredAsync(string captureId, string email) => PaidEventStoredAsync(shop, app, captureId, email);

    // A pending order and its payment as PayPal's API confirmed it (what ProviderConfirmation stores
    // for a capture notification), stored but not processed (no job server runs): groups are applied
    // from confirmed events and from Stripe's and the reseller's webhooks.
    private static async Task<(CheckoutDto Checkout, long InboxId)> PaidEventStoredAsync(Shop shop, OrdersApp app, string captureId, string email)
    {
        var checkout = await shop.CheckoutAsync(email: email);
        var stored = await app.Service<PaymentEventStore>().StoreAsync(new PaymentEvent("paypal", $"capture:{captureId}:COMPLETED", "CAPTURE.CONFIRMED.COMPLETED",
            PaymentEventKind.Paid, checkout.OrderNumber, checkout.PayPalOrderId, captureId, null, 4900, "USD"), CancellationToken.None);
        return (checkout, stored.InboxId);
    }

    private Task RunBatchAsync(long[] inboxIds) => RunBatchAsync(app, inboxIds);

    private static async Task RunBatchAsync(OrdersApp app, long[] inboxIds)
    {
        using var scope = app.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<ProcessInboxBatchJob>().RunAsync(inboxIds, CancellationToken.None);
    }

    private async Task SendBatchAsync(long[] deliveryIds)
    {
        using var scope = app.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<SendDeliveryJob>().RunBatchAsync(deliveryIds, CancellationToken.None);
    }

    private Task SendOneAsync(long deliveryId) => SendOneAsync(app, deliveryId);

    private static async Task SendOneAsync(OrdersApp app, long deliveryId)
    {
        using var scope = app.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<SendDeliveryJob>().RunAsync(deliveryId, CancellationToken.None);
    }

    private Task<IEnumerable<T>> QueryAsync<T>(string sql, object? args = null) => QueryAsync<T>(app, sql, args);

    private static async Task<IEnumerable<T>> QueryAsync<T>(OrdersApp app, string sql, object? args = null)
    {
        await using var connection = await app.Db.OpenAsync(CancellationToken.None);
        return [.. await connection.QueryAsync<T>(sql, args)];
    }

    private Task ExecuteAsync(string sql, object? args = null) => ExecuteAsync(app, sql, args);

    private static async Task ExecuteAsync(OrdersApp app, string sql, object? args = null)
    {
        await using var connection = await app.Db.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync(sql, args);
    }
}
