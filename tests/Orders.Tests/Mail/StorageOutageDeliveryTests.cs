using System.Globalization;
using Orders.Tests.Infrastructure;
using Orders.Tests.Operations;

namespace Orders.Tests.Mail;

// A sender claims an e-mail (for Mail:ClaimLength, five minutes), sends it and records the outcome.
// When storage refuses that record (here: the database files made read-only for real the moment the
// SMTP server has the message, see StorageFaults), the outcome must not wait for the claim to run
// out: a sent e-mail is recorded as sent within seconds of storage coming back and never sent
// again; a failed one is released and retried within seconds.
public sealed class StorageOutageDeliveryTests
{

    private static Dictionary<string, string?> SmtpSettings(LoopbackSmtpServer smtp) => new()
    {
        ["Mail:Mode"] = "Smtp",
        ["Mail:Host"] = "127.0.0.1",
        ["Mail:Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture),
        ["Mail:Tls"] = "None",
        ["Mail:RetryBaseDelay"] = "00:00:01",
        ["Mail:Timeout"] = "00:00:05",
    };

    [Fact]
    public async Task AnEmailSentWhileStorageRefusesWritesIsRecordedAsSentWithinSecondsOfItsReturnAndNotSentAgain()
    {
        await using var smtp = new LoopbackSmtpServer();
        await using var app = new OrdersApp(settings: SmtpSettings(smtp));
        await StorageFaults.RequireReadOnlyFilesAsync(app.DataDirectory);
        await using var outage = new Outage(app);
        smtp.BeforeAnswer = async _ =>
        {
            await outage.BeginOnceAsync();
            return true;
        };
        smtp.Start();
        var shop = new Shop(app);
        await PayAsync(shop);
        await WaitForRefusedRecordAsync(app);
        Assert.Single(smtp.Messages);
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'sending'"));

        await outage.EndAsync();
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"), n => n == 1, TimeSpan.FromSeconds(10), "the e-mail to be recorded as sent");

        // Sent is final: nothing claims or sends the row again.
        Assert.Single(smtp.Messages);
        Assert.Equal(1, await shop.CountAsync("SELECT attempts FROM deliveries"));
    }

    [Fact]
    public async Task ASendThatFailedWhileStorageRefusedWritesIsRetriedWithinSecondsOfItsReturn()
    {
        await using var smtp = new LoopbackSmtpServer();
        await using var app = new OrdersApp(settings: SmtpSettings(smtp));
        await StorageFaults.RequireReadOnlyFilesAsync(app.DataDirectory);
        await using var outage = new Outage(app);
        // The first message is refused (451) just after storage starts refusing writes; later ones are taken.
        smtp.BeforeAnswer = async _ => !await outage.BeginOnceAsync();
        smtp.Start();
        var shop = new Shop(app);
        await PayAsync(shop);
        await WaitForRefusedRecordAsync(app);
        Assert.Empty(smtp.Messages);
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'sending'"));

        await outage.EndAsync();
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"), n => n == 1, TimeSpan.FromSeconds(15), "the e-mail to be retried and sent");
        Assert.Single(smtp.Messages);
        Assert.Equal(2, await shop.CountAsync("SELECT attempts FROM deliveries"));
    }

    // The sender has tried to record the outcome and storage refused it: the service says so, or,
    // were the refusal not handled, the sending job fails with SQLite's error.
    private static async Task WaitForRefusedRecordAsync(OrdersApp app) =>
        await Eventually.GetAsync(
            () => Task.FromResult(app.Logs.Lines.Any(l => l.Contains("Storage refused the outcome of 1 e-mail(s)", StringComparison.Ordinal)
                || (l.Contains("Failed to process the job", StringComparison.Ordinal) && l.Contains("SqliteException", StringComparison.Ordinal)))),
            refused => refused, what: "storage to refuse the record of the e-mail's outcome");

    private static async Task PayAsync(Shop shop)
    {
        var checkout = await shop.CheckoutAsync();
        var returnUrl = await shop.ApproveAsync(checkout);
        (await shop.Http.GetAsync(returnUrl.PathAndQuery)).Dispose();
        await shop.WaitForStatusAsync(checkout, "paid");
    }

    // The database files read-only from the first message on, until the test ends the outage.
    private sealed class Outage(OrdersApp app) : IAsyncDisposable
    {
        private readonly SemaphoreSlim gate = new(1, 1);
        private IAsyncDisposable? readOnly;
        private bool begun;

        // True the first time (storage has just become read-only).
        public async Task<bool> BeginOnceAsync()
        {
            await gate.WaitAsync();
            try
            {
                if (begun)
                {
                    return false;
                }

                begun = true;
                readOnly = await StorageFaults.ReadOnlyAsync(app.DatabasePath);
                return true;
            }
            finally
            {
                gate.Release();
            }
        }

        public async Task EndAsync()
        {
            await gate.WaitAsync();
            try
            {
                if (readOnly is not null)
                {
                    await readOnly.DisposeAsync();
                    readOnly = null;
                }
            }
            finally
            {
                gate.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await EndAsync();
            gate.Dispose();
        }
    }
}
