using System.Data.Common;
using System.Diagnostics;
using Dapper;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Options;
using Orders.Api.Data;
using Orders.Api.Mail;

namespace Orders.Api.Privacy;

// Mails every notice that is 'sending', from what the database records, at a steady pace:
//  1. Listing: reads orders in id order from recipients_through_order_id on, and adds one recipient
//     row per distinct, non-erased address of a paying customer (unique per notice and address, so
//     nobody is listed twice), pointing at that customer's latest order.
//  2. Hand-over: gives recipients without a delivery a row in the deliveries outbox (dedupe key
//     privacy-notice:<recipient id>, so never two e-mails for one recipient) and enqueues the
//     ordinary SendDeliveryJob for it, NoticeBatchSize at a time, NoticeEmailsPerMinute at most.
//  3. Finish: once everyone listed has a delivery, the notice is 'sent'.
// Each step is a transaction with conditional updates, so a run may be lost, repeated or run
// beside another; the recurring job and the start-up trigger pick up wherever the last one stopped.
// One run paces itself for up to a minute and then makes way for the next.
internal sealed partial class PrivacyNoticeMailingJob(
    Db db,
    JobStorage storage,
    IBackgroundJobClient jobs,
    IOptions<PrivacyNoticeOptions> options,
    TimeProvider time,
    ILogger<PrivacyNoticeMailingJob> logger)
{
    public const string RecurringJobId = "privacy-notice-mailing";
    private const string LockName = "orders:privacy-notice-mailing";
    private static readonly TimeSpan RunLength = TimeSpan.FromSeconds(50);
    private const int ListingStepsPerPass = 10;

    private const string SendingSql = """
        SELECT id AS Id, recipients_through_order_id AS ThroughOrderId, recipients_listed_at AS ListedAt
        FROM privacy_notices WHERE status = 'sending' ORDER BY id
        """;

    private static readonly Dialect NextOrderBoundSql = new(
        Sqlite: """
            SELECT MAX(id) FROM (SELECT id FROM orders WHERE id > @After ORDER BY id LIMIT @Limit) AS b
            """,
        SqlServer: """
            SELECT MAX(id) FROM (SELECT TOP (@Limit) id FROM orders WHERE id > @After ORDER BY id) AS b
            """,
        PostgreSql: """
            SELECT MAX(id) FROM (SELECT id FROM orders WHERE id > @After ORDER BY id LIMIT @Limit) AS b
            """);

    // The customer's latest order (at listing time) carries the delivery and its address.
    private static readonly Dialect ListRecipientsSql = new(
        Sqlite: """
            INSERT INTO privacy_notice_recipients (notice_id, email_lower, order_id, created_at)
            SELECT @NoticeId, a.email_lower, a.order_id, @Now FROM (
                SELECT d.email_lower,
                       (SELECT MAX(l.id) FROM orders l WHERE l.email_lower = d.email_lower AND l.erased_at IS NULL AND l.paid_at IS NOT NULL) AS order_id
                FROM (SELECT DISTINCT o.email_lower FROM orders o
                      WHERE o.id > @After AND o.id <= @Through AND o.erased_at IS NULL AND o.paid_at IS NOT NULL) AS d
            ) AS a
            WHERE a.order_id IS NOT NULL
            ON CONFLICT (notice_id, email_lower) DO NOTHING
            """,
        SqlServer: """
            INSERT INTO privacy_notice_recipients (notice_id, email_lower, order_id, created_at)
            SELECT @NoticeId, a.email_lower, a.order_id, @Now FROM (
                SELECT d.email_lower,
                       (SELECT MAX(l.id) FROM orders l WHERE l.email_lower = d.email_lower AND l.erased_at IS NULL AND l.paid_at IS NOT NULL) AS order_id
                FROM (SELECT DISTINCT o.email_lower FROM orders o
                      WHERE o.id > @After AND o.id <= @Through AND o.erased_at IS NULL AND o.paid_at IS NOT NULL) AS d
            ) AS a
            WHERE a.order_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM privacy_notice_recipients r WITH (UPDLOCK, HOLDLOCK)
                              WHERE r.notice_id = @NoticeId AND r.email_lower = a.email_lower)
            """,
        PostgreSql: """
            INSERT INTO privacy_notice_recipients (notice_id, email_lower, order_id, created_at)
            SELECT @NoticeId, a.email_lower, a.order_id, @Now FROM (
                SELECT d.email_lower,
                       (SELECT MAX(l.id) FROM orders l WHERE l.email_lower = d.email_lower AND l.erased_at IS NULL AND l.paid_at IS NOT NULL) AS order_id
                FROM (SELECT DISTINCT o.email_lower FROM orders o
                      WHERE o.id > @After AND o.id <= @Through AND o.erased_at IS NULL AND o.paid_at IS NOT NULL) AS d
            ) AS a
            WHERE a.order_id IS NOT NULL
            ON CONFLICT (notice_id, email_lower) DO NOTHING
            """);

    private const string AdvanceListingSql = """
        UPDATE privacy_notices SET recipients_through_order_id = @Through
        WHERE id = @NoticeId AND status = 'sending' AND recipients_through_order_id = @After
        """;

    private const string FinishListingSql = """
        UPDATE privacy_notices SET recipients_listed_at = @Now
        WHERE id = @NoticeId AND status = 'sending' AND recipients_listed_at IS NULL AND recipients_through_order_id = @After
        """;

    private static readonly Dialect UnhandedSql = new(
        Sqlite: """
            SELECT id FROM privacy_notice_recipients WHERE notice_id = @NoticeId AND delivery_id IS NULL ORDER BY id LIMIT @Limit
            """,
        SqlServer: """
            SELECT TOP (@Limit) id FROM privacy_notice_recipients WHERE notice_id = @NoticeId AND delivery_id IS NULL ORDER BY id
            """,
        PostgreSql: """
            SELECT id FROM privacy_notice_recipients WHERE notice_id = @NoticeId AND delivery_id IS NULL ORDER BY id LIMIT @Limit
            """);

    // A customer erased since listing gets a canceled row: nothing is sent, and the recipient is done.
    private static readonly Dialect InsertDeliveriesSql = new(
        Sqlite: """
            INSERT INTO deliveries (order_id, kind, dedupe_key, to_address, status, attempts, last_error, created_at, next_attempt_at)
            SELECT r.order_id, 'privacy-notice', 'privacy-notice:' || r.id, o.email,
                   CASE WHEN o.erased_at IS NULL AND r.email_lower NOT LIKE 'erased:%' THEN 'pending' ELSE 'canceled' END,
                   0,
                   CASE WHEN o.erased_at IS NULL AND r.email_lower NOT LIKE 'erased:%' THEN NULL ELSE 'customer data erased' END,
                   @Now, @Now
            FROM privacy_notice_recipients r
            JOIN orders o ON o.id = r.order_id
            WHERE r.notice_id = @NoticeId AND r.id BETWEEN @First AND @Last AND r.delivery_id IS NULL
            ON CONFLICT (dedupe_key) DO NOTHING
            """,
        SqlServer: """
            INSERT INTO deliveries (order_id, kind, dedupe_key, to_address, status, attempts, last_error, created_at, next_attempt_at)
            SELECT r.order_id, 'privacy-notice', CONCAT('privacy-notice:', r.id), o.email,
                   CASE WHEN o.erased_at IS NULL AND r.email_lower NOT LIKE 'erased:%' THEN 'pending' ELSE 'canceled' END,
                   0,
                   CASE WHEN o.erased_at IS NULL AND r.email_lower NOT LIKE 'erased:%' THEN NULL ELSE 'customer data erased' END,
                   @Now, @Now
            FROM privacy_notice_recipients r
            JOIN orders o ON o.id = r.order_id
            WHERE r.notice_id = @NoticeId AND r.id BETWEEN @First AND @Last AND r.delivery_id IS NULL
              AND NOT EXISTS (SELECT 1 FROM deliveries x WITH (UPDLOCK, HOLDLOCK) WHERE x.dedupe_key = CONCAT('privacy-notice:', r.id))
            """,
        PostgreSql: """
            INSERT INTO deliveries (order_id, kind, dedupe_key, to_address, status, attempts, last_error, created_at, next_attempt_at)
            SELECT r.order_id, 'privacy-notice', 'privacy-notice:' || r.id, o.email,
                   CASE WHEN o.erased_at IS NULL AND r.email_lower NOT LIKE 'erased:%' THEN 'pending' ELSE 'canceled' END,
                   0,
                   CASE WHEN o.erased_at IS NULL AND r.email_lower NOT LIKE 'erased:%' THEN NULL ELSE 'customer data erased' END,
                   @Now, @Now
            FROM privacy_notice_recipients r
            JOIN orders o ON o.id = r.order_id
            WHERE r.notice_id = @NoticeId AND r.id BETWEEN @First AND @Last AND r.delivery_id IS NULL
            ON CONFLICT (dedupe_key) DO NOTHING
            """);

    private static readonly Dialect LinkDeliveriesSql = new(
        Sqlite: """
            UPDATE privacy_notice_recipients
            SET delivery_id = (SELECT d.id FROM deliveries d WHERE d.dedupe_key = 'privacy-notice:' || privacy_notice_recipients.id)
            WHERE notice_id = @NoticeId AND id BETWEEN @First AND @Last AND delivery_id IS NULL
            """,
        SqlServer: """
            UPDATE r SET delivery_id = d.id
            FROM privacy_notice_recipients r
            JOIN deliveries d ON d.dedupe_key = CONCAT('privacy-notice:', r.id)
            WHERE r.notice_id = @NoticeId AND r.id BETWEEN @First AND @Last AND r.delivery_id IS NULL
            """,
        PostgreSql: """
            UPDATE privacy_notice_recipients
            SET delivery_id = (SELECT d.id FROM deliveries d WHERE d.dedupe_key = 'privacy-notice:' || privacy_notice_recipients.id)
            WHERE notice_id = @NoticeId AND id BETWEEN @First AND @Last AND delivery_id IS NULL
            """);

    private const string HandedPendingSql = """
        SELECT d.id FROM privacy_notice_recipients r
        JOIN deliveries d ON d.id = r.delivery_id
        WHERE r.notice_id = @NoticeId AND r.id BETWEEN @First AND @Last AND d.status = 'pending'
        """;

    private const string FinishSql = """
        UPDATE privacy_notices SET status = 'sent', finished_at = @Now
        WHERE id = @NoticeId AND status = 'sending' AND recipients_listed_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM privacy_notice_recipients r WHERE r.notice_id = @NoticeId AND r.delivery_id IS NULL)
        """;

    private const string AnySendingSql = "SELECT COUNT(*) FROM privacy_notices WHERE status = 'sending'";

    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // One mailing run at a time across every instance: two would double the pace (never the
        // e-mails: the constraints see to that).
        IDisposable gate;
        using var connection = storage.GetConnection();
        try
        {
            gate = connection.AcquireDistributedLock(LockName, TimeSpan.FromSeconds(1));
        }
        catch (DistributedLockTimeoutException)
        {
            return; // another run is at work
        }

        using (gate)
        {
            await PumpAsync(cancellationToken);
        }
    }

    public static async Task<bool> AnySendingAsync(Db db, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(AnySendingSql, cancellationToken: ct)) > 0;
    }

    private async Task PumpAsync(CancellationToken ct)
    {
        var batch = Math.Max(1, options.Value.NoticeBatchSize);
        var perMinute = Math.Max(1, options.Value.NoticeEmailsPerMinute);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < RunLength)
        {
            List<SendingNotice> notices;
            await using (var connection = await db.OpenAsync(ct))
            {
                notices = [.. await connection.QueryAsync<SendingNotice>(new CommandDefinition(SendingSql, cancellationToken: ct))];
            }

            if (notices.Count == 0)
            {
                return;
            }

            var handed = 0;
            var listed = false;
            foreach (var notice in notices)
            {
                // Listing runs ahead of sending (it is only database work), so the total is known early.
                if (notice.ListedAt is null)
                {
                    long? after = notice.ThroughOrderId;
                    for (var step = 0; step < ListingStepsPerPass && after is { } from; step++)
                    {
                        after = await ListAsync(notice.Id, from, batch, ct);
                    }

                    listed = true;
                }

                handed += await HandOverAsync(notice.Id, batch, ct);
                await FinishAsync(notice.Id, ct);
            }

            if (handed == 0 && !listed)
            {
                return; // nothing left to hand over; the next run looks again
            }

            // The pace: this many e-mails may go out per minute, so wait their share of it.
            var pause = TimeSpan.FromMinutes((double)handed / perMinute);
            if (pause > TimeSpan.Zero)
            {
                await Task.Delay(pause, ct);
            }
        }
    }

    // One listing step: the next `batch` orders after `after`. Returns where the listing now stands,
    // or null when it is complete (or another run got there first: the next pass re-reads).
    private async Task<long?> ListAsync(long noticeId, long after, int batch, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var through = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(db.Pick(NextOrderBoundSql),
            new { After = after, Limit = batch }, tx, cancellationToken: ct));
        if (through is null)
        {
            await connection.ExecuteAsync(new CommandDefinition(FinishListingSql, new { NoticeId = noticeId, After = after, Now = now }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
            return null;
        }

        var args = new { NoticeId = noticeId, After = after, Through = through.Value, Now = now };
        var added = await connection.ExecuteAsync(new CommandDefinition(db.Pick(ListRecipientsSql), args, tx, cancellationToken: ct));
        if (await connection.ExecuteAsync(new CommandDefinition(AdvanceListingSql, args, tx, cancellationToken: ct)) == 0)
        {
            await tx.RollbackAsync(ct); // another run listed these orders already
            return null;
        }

        await tx.CommitAsync(ct);
        LogListed(logger, noticeId, added, through.Value);
        return through;
    }

    private async Task<int> HandOverAsync(long noticeId, int batch, CancellationToken ct)
    {
        List<long> pending;
        int handed;
        await using (var connection = await db.OpenAsync(ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            var ids = (await connection.QueryAsync<long>(new CommandDefinition(db.Pick(UnhandedSql), new { NoticeId = noticeId, Limit = batch }, tx, cancellationToken: ct))).ToList();
            if (ids.Count == 0)
            {
                return 0;
            }

            var args = new { NoticeId = noticeId, First = ids[0], Last = ids[^1], Now = time.GetUtcNow().UtcDateTime };
            await connection.ExecuteAsync(new CommandDefinition(db.Pick(InsertDeliveriesSql), args, tx, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition(db.Pick(LinkDeliveriesSql), args, tx, cancellationToken: ct));
            pending = [.. await connection.QueryAsync<long>(new CommandDefinition(HandedPendingSql, args, tx, cancellationToken: ct))];
            await tx.CommitAsync(ct);
            LogHandedOver(logger, noticeId, ids.Count);
            handed = ids.Count;
        }

        // Enqueued after the commit: a job that ran first would find no row. A lost enqueue is
        // picked up by the recovery sweep, like any due e-mail.
        foreach (var deliveryId in pending)
        {
            jobs.Enqueue<SendDeliveryJob>(job => job.RunAsync(deliveryId, CancellationToken.None));
        }

        return handed;
    }

    private async Task FinishAsync(long noticeId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        if (await connection.ExecuteAsync(new CommandDefinition(FinishSql, new { NoticeId = noticeId, Now = time.GetUtcNow().UtcDateTime }, cancellationToken: ct)) > 0)
        {
            LogFinished(logger, noticeId);
        }
    }

    private sealed class SendingNotice
    {
        public long Id { get; init; }
        public long ThroughOrderId { get; init; }
        public DateTime? ListedAt { get; init; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Privacy notice {NoticeId}: listed {Added} address(es) from orders up to id {ThroughOrderId}")]
    private static partial void LogListed(ILogger logger, long noticeId, int added, long throughOrderId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Privacy notice {NoticeId}: handed {Count} e-mail(s) to the outbox")]
    private static partial void LogHandedOver(ILogger logger, long noticeId, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Privacy notice {NoticeId}: every recipient has an e-mail in the outbox")]
    private static partial void LogFinished(ILogger logger, long noticeId);
}
