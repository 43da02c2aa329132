using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Orders.Api.PaymentEvents;
using Orders.Tests.Infrastructure;
using Orders.Tests.Support;
using static Orders.Tests.Privacy.NoticeTestKit;

namespace Orders.Tests.Privacy;

public sealed class PrivacyNoticeRestartTests
{
    private const int Customers = 1000;

    // 50 e-mails a second: the mailing takes about 20 seconds, long enough to stop it half-way.
    // Debug logging: an e-mail sent in a batch (as the ones a stop left unfinished are, once
    // re-queued) is logged at Debug, one sent alone at Information; the test counts both.
    private static Dictionary<string, string?> Settings() => new()
    {
        ["Privacy:NoticeBatchSize"] = "50",
        ["Privacy:NoticeEmailsPerMinute"] = "3000",
        ["Logging:LogLevel:Default"] = "Debug",
    };

    [Fact]
    public async Task ANoticeToAThousandCustomersIsOneEmailEachEvenWithTheServiceRestartedHalfWay()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "orders-tests", Guid.NewGuid().ToString("N"));
        var addresses = Enumerable.Range(1, Customers).Select(i => $"customer{i:D4}@example.com").ToList();
        // Each paying customer comes after eight abandoned checkouts by others, so the listing (which
        // runs ahead of the sending) is still under way too when the service stops.
        var orders = addresses.SelectMany(a => Enumerable.Range(1, 8).Select(k => new SeedOrder($"abandoned.{k}.{a}", Status: "pending")).Append(new SeedOrder(a))).ToList();
        // The same customers again, typed differently, on later orders; an erased customer; one who never paid.
        orders.AddRange([new("Customer0007@Example.com"), new("CUSTOMER0500@EXAMPLE.COM"), new("customer0999@EXAMPLE.com"), new("customer0007@example.COM")]);
        orders.Add(new("erased.customer@example.com", Erased: true));
        orders.Add(new("never.paid@example.com", Status: "pending"));
        long sentBeforeStop;
        string outbox;
        LogCapture firstLogs;

        // First life: the mailing starts and the service stops while it is under way.
        await using (var first = new OrdersApp(dataDirectory, Settings()))
        {
            await SeedAsync(first, orders);
            using var admin = await SupportSession.AdminAsync(first);
            await CreateAndSendAsync(admin);
            await Eventually.GetAsync(() => Task.FromResult(NoticeMails(first).Length), n => n >= 150, TimeSpan.FromSeconds(60), "the first 150 notice e-mails");
            outbox = first.OutboxDirectory;
            await first.DisposeAsync();
            // Counted at the end: a job the stop interrupted can still finish (and log) after the
            // host has returned from stopping.
            firstLogs = first.Logs;
        }

        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dataDirectory, "orders.db")}"))
        {
            sentBeforeStop = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM deliveries WHERE kind = 'privacy-notice' AND status = 'sent'");
            Assert.Equal("sending", await connection.ExecuteScalarAsync<string>("SELECT status FROM privacy_notices"));
            Assert.Null(await connection.ExecuteScalarAsync<string>("SELECT recipients_listed_at FROM privacy_notices"));
            Assert.InRange(await connection.ExecuteScalarAsync<long>("SELECT recipients_through_order_id FROM privacy_notices"), 1, orders.Count - 1);
        }

        Assert.InRange(sentBeforeStop, 1, Customers - 1);

        // Second life on the same data: the mailing picks up where the database says it stopped.
        await using var second = new OrdersApp(dataDirectory, Settings());
        var shop = new Shop(second);
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM privacy_notices WHERE status = 'sent'"), n => n == 1, TimeSpan.FromSeconds(120), "every recipient handed to the outbox");
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'"), n => n == 0, TimeSpan.FromSeconds(60), "the queued e-mails to be sent");
        var stillSending = DateTime.UtcNow.AddSeconds(10);
        while (await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'sending'") > 0 && DateTime.UtcNow < stillSending)
        {
            await Task.Delay(200);
        }

        if (await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'sending'") > 0)
        {
            // An e-mail the stop interrupted is tried again when its claim runs out (five minutes).
            second.Clock.Advance(TimeSpan.FromMinutes(6));
            using var scope = second.Services.CreateScope();
            await scope.ServiceProvider.GetRequiredService<RecoverySweepJob>().SweepAsync(TimeSpan.Zero, CancellationToken.None);
        }

        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"), n => n == Customers, TimeSpan.FromSeconds(60), "all e-mails sent");
        await second.WaitUntilIdleAsync(); // anything sent twice would show up now

        Assert.Equal(Customers, await shop.CountAsync("SELECT COUNT(*) FROM deliveries"));
        Assert.Equal(Customers, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE kind = 'privacy-notice' AND status = 'sent'"));
        Assert.Equal(Customers, await shop.CountAsync("SELECT COUNT(DISTINCT lower(to_address)) FROM deliveries"));
        Assert.Equal(Customers, await shop.CountAsync("SELECT COUNT(*) FROM privacy_notice_recipients WHERE delivery_id IS NOT NULL"));
        Assert.Equal(Customers, await shop.CountAsync("SELECT COUNT(*) FROM privacy_notice_recipients"));

        // Exactly one e-mail per address: the files in the outbox, and the sends the service logged.
        var files = Directory.GetFiles(outbox, "*.eml");
        Assert.Equal(Customers, files.Length);
        var recipients = new List<string>();
        foreach (var file in files)
        {
            using var message = await MimeMessage.LoadAsync(file);
            recipients.Add(Assert.Single(message.To.Mailboxes).Address.ToLowerInvariant());
        }

        Assert.Equal(addresses, recipients.Order(StringComparer.Ordinal));
        Assert.Equal(Customers, SentLogLines(firstLogs) + SentLogLines(second.Logs));

        // The latest order carries the e-mail, to the address as it was typed there.
        Assert.Contains(files, f => File.ReadAllText(f).Contains("To: customer0007@example.COM", StringComparison.Ordinal));
    }

    private static int SentLogLines(LogCapture logs) =>
        logs.Lines.Count(l => l.Contains("Sent delivery", StringComparison.Ordinal) && l.Contains("(privacy-notice)", StringComparison.Ordinal));
}
