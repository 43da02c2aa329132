using System.Data.Common;
using Dapper;
using Hangfire;
using MailKit;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Orders;

namespace Orders.Api.Mail;

// Sends deliveries rows: one (RunAsync, used by retries, the recovery sweep and support's resend)
// or a batch (RunBatchAsync, the e-mails of one processed group of events). Rows are claimed with
// one conditional update before sending, so two runs of the same job (a retry racing the recovery
// sweep) cannot both send a row; the claimed rows are loaded, composed by kind, sent one by one,
// and the sent ones marked in one update: two commits per batch instead of two per e-mail. Retries
// are driven by the row itself (attempts, next_attempt_at): the database, not the job queue,
// remembers them. Every outcome goes through DeliveryOutcomes, which keeps one that storage refuses
// and writes it as soon as storage takes writes again.
internal sealed partial class SendDeliveryJob(
    Db db,
    DeliveryOutcomes outcomes,
    IMailTransport transport,
    LicenseEmail composer,
    IEnumerable<IDeliveryComposer> composers,
    StatusTokens statusTokens,
    PublicAddress publicAddress,
    IBackgroundJobClient jobs,
    IOptions<MailOptions> options,
    OrdersMetrics metrics,
    TimeProvider time,
    ILogger<SendDeliveryJob> logger)
{
    private static readonly Dialect ClaimSql = new(
        Sqlite: """
            UPDATE deliveries SET status = 'sending', claimed_until = @ClaimedUntil, attempts = attempts + 1
            WHERE id IN @Ids
              AND ((status = 'pending' AND next_attempt_at <= @DueBy) OR (status = 'sending' AND claimed_until < @Now))
            RETURNING id
            """,
        SqlServer: """
            UPDATE deliveries SET status = 'sending', claimed_until = @ClaimedUntil, attempts = attempts + 1
            OUTPUT INSERTED.id
            WHERE id IN @Ids
              AND ((status = 'pending' AND next_attempt_at <= @DueBy) OR (status = 'sending' AND claimed_until < @Now))
            """,
        PostgreSql: """
            UPDATE deliveries SET status = 'sending', claimed_until = @ClaimedUntil, attempts = attempts + 1
            WHERE id IN @Ids
              AND ((status = 'pending' AND next_attempt_at <= @DueBy) OR (status = 'sending' AND claimed_until < @Now))
            RETURNING id
            """);

    // Generic columns of the row and its order; the license columns are NULL for kinds without one.
    // The license is the order's newest line: a corrected licensee name is a new key on a new line.
    private const string LoadSql = """
        SELECT d.id AS DeliveryId, d.kind AS Kind, d.to_address AS ToAddress, d.attempts AS Attempts,
               o.order_number AS OrderNumber, o.product_name AS ProductName, o.licensee_name AS LicenseeName,
               l.seats AS Seats, l.license_key AS LicenseKey, l.status AS LicenseStatus
        FROM deliveries d
        JOIN orders o ON o.id = d.order_id
        LEFT JOIN licenses l ON l.order_id = d.order_id
            AND l.line_no = (SELECT MAX(newest.line_no) FROM licenses newest WHERE newest.order_id = d.order_id)
        WHERE d.id IN @Ids
        """;

    private const string MarkSentSql = """
        UPDATE deliveries SET status = 'sent', sent_at = @Now, claimed_until = NULL, last_error = NULL
        WHERE id IN @Ids AND status = 'sending'
        """;

    private const string MarkCanceledSql = """
        UPDATE deliveries SET status = 'canceled', claimed_until = NULL, last_error = @Error
        WHERE id = @Id AND status = 'sending'
        """;

    private const string MarkFailedAttemptSql = """
        UPDATE deliveries SET status = @Status, next_attempt_at = @NextAttemptAt, claimed_until = NULL, last_error = @Error
        WHERE id = @Id AND status = 'sending'
        """;

    // Claimed but not attempted (shutdown, or the claim ran short): back to pending, attempt not counted.
    private const string ReleaseSql = """
        UPDATE deliveries SET status = 'pending', claimed_until = NULL, attempts = attempts - 1
        WHERE id IN @Ids AND status = 'sending'
        """;

    // One batch never holds more rows than this (a SQL Server command takes at most 2,100 parameters).
    internal const int MaxBatch = 256;

    [AutomaticRetry(Attempts = 0)]
    public Task RunAsync(long deliveryId, CancellationToken cancellationToken) =>
        metrics.TimeJobAsync("send-delivery", () => SendAsync([deliveryId], cancellationToken));

    [AutomaticRetry(Attempts = 0)]
    public async Task RunBatchAsync(long[] deliveryIds, CancellationToken cancellationToken)
    {
        foreach (var chunk in deliveryIds.Chunk(MaxBatch))
        {
            await metrics.TimeJobAsync("send-deliveries", () => SendAsync(chunk, cancellationToken));
        }
    }

    private async Task SendAsync(long[] deliveryIds, CancellationToken cancellationToken)
    {
        // An e-mail whose last outcome storage refused is still this process's: not claimed again
        // until that outcome is written (it may have been sent).
        long[] free = [.. deliveryIds.Where(id => !outcomes.Holds(id))];
        if (free.Length == 0)
        {
            return;
        }

        var now = time.GetUtcNow().UtcDateTime;
        await using var connection = await db.OpenAsync(cancellationToken);
        // Hangfire keeps scheduled times in whole seconds and may start a retry up to a second
        // early; a retry that is almost due counts as due. Rows not claimed are sent already, not
        // due yet, or held by another worker.
        HashSet<long> claimed;
        using (await db.WriteTurnAsync(WritePriority.Background, cancellationToken))
        {
            claimed = (await connection.QueryAsync<long>(new CommandDefinition(db.Pick(ClaimSql),
                new { Ids = free, Now = now, DueBy = now.AddSeconds(2), ClaimedUntil = now + options.Value.ClaimLength }, cancellationToken: cancellationToken))).ToHashSet();
        }

        if (claimed.Count == 0)
        {
            return;
        }

        var sent = new List<DeliveryRow>(claimed.Count);
        // Until the rows are loaded every claimed one is unfinished: if loading fails they are
        // released (and left to the recovery sweep rather than requeued into the same failure).
        var unfinished = new HashSet<long>(claimed);
        var loaded = false;
        var stopSendingAt = now + options.Value.ClaimLength / 2;
        try
        {
            var rows = (await connection.QueryAsync<DeliveryRow>(new CommandDefinition(LoadSql, new { Ids = claimed.ToArray() }, cancellationToken: cancellationToken)))
                .OrderBy(r => r.DeliveryId)
                .ToList();
            unfinished = rows.Select(r => r.DeliveryId).ToHashSet();
            loaded = true;
            foreach (var row in rows)
            {
                // Never start a message on a claim that may run out mid-conversation (another worker
                // could then claim the row and send it again): after half the claim the rest goes
                // back to the queue. Mail:ClaimLength is validated to exceed twice Mail:Timeout.
                if (cancellationToken.IsCancellationRequested || (sent.Count > 0 && time.GetUtcNow().UtcDateTime >= stopSendingAt))
                {
                    break;
                }

                unfinished.Remove(row.DeliveryId);
                await SendOneAsync(connection, row, sent, cancellationToken);
            }
        }
        finally
        {
            // Also on shutdown: what was sent is recorded, what was not attempted is released.
            await FinishAsync(sent, unfinished, requeue: loaded && !cancellationToken.IsCancellationRequested);
        }
    }

    private async Task SendOneAsync(DbConnection connection, DeliveryRow row, List<DeliveryRow> sent, CancellationToken cancellationToken)
    {
        try
        {
            var composed = await ComposeAsync(connection, row, cancellationToken);
            if (composed.CancelReason is { } reason)
            {
                await outcomes.RecordAsync(new DeliveryOutcome(MarkCanceledSql, new { Id = row.DeliveryId, Error = reason }, [row.DeliveryId]));
                return;
            }

            await transport.SendAsync(composed.Message!, composed.FileStem ?? $"{row.DeliveryId:D8}-{row.Kind}-{row.OrderNumber}", cancellationToken);
            sent.Add(row);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever went wrong with this attempt (server down, refused, timed out, a full disk,
            // a kind nobody composes yet), the row must not stay claimed: record it, try again later.
            metrics.EmailFailed(row.Kind);
            await ScheduleRetryAsync(row.DeliveryId, row.Attempts, e);
        }
    }

    // Load row → compose by kind → send. The license e-mails are Mail's own; every other kind is
    // composed by the feature that sends it (IDeliveryComposer).
    private async Task<ComposedEmail> ComposeAsync(DbConnection connection, DeliveryRow row, CancellationToken cancellationToken) => row.Kind switch
    {
        DeliveryKinds.License or DeliveryKinds.Resend => ComposeLicense(row),
        _ => composers.FirstOrDefault(c => c.Kind == row.Kind) is { } composer
            ? await composer.ComposeAsync(connection, row.DeliveryId, row.ToAddress, cancellationToken)
            : throw new NotSupportedException($"No composer for delivery kind '{row.Kind}'."),
    };

    private ComposedEmail ComposeLicense(DeliveryRow row)
    {
        if (row.LicenseKey is null || row.LicenseStatus != "active")
        {
            return new ComposedEmail(null, "no active license to send", null);
        }

        var statusUrl = publicAddress.Resolve(StatusTokens.StatusPath(row.OrderNumber, statusTokens.For(row.OrderNumber)));
        return new ComposedEmail(composer.Compose(new LicenseEmailModel(
            row.DeliveryId, row.Kind, row.ToAddress, row.OrderNumber, row.ProductName, row.LicenseeName, row.Seats ?? 1, row.LicenseKey, statusUrl)), null, null);
    }

    private async Task FinishAsync(List<DeliveryRow> sent, HashSet<long> unfinished, bool requeue)
    {
        if (sent.Count > 0)
        {
            List<DeliveryRow> rows = [.. sent];
            long[] sentIds = [.. rows.Select(r => r.DeliveryId)];
            await outcomes.RecordAsync(new DeliveryOutcome(MarkSentSql, new { Ids = sentIds, Now = time.GetUtcNow().UtcDateTime }, sentIds, () => Recorded(rows)));
        }

        if (unfinished.Count > 0)
        {
            long[] left = [.. unfinished];
            await outcomes.RecordAsync(new DeliveryOutcome(ReleaseSql, new { Ids = left }, left,
                requeue ? () => jobs.Enqueue<SendDeliveryJob>(job => job.RunBatchAsync(left, CancellationToken.None)) : null));
        }
    }

    // A batch gets one Information line and each e-mail a Debug one, like the groups of events
    // that created them (under a backlog, a JSON line and a write per e-mail).
    private void Recorded(List<DeliveryRow> sent)
    {
        foreach (var row in sent)
        {
            metrics.EmailSent(row.Kind);
            if (sent.Count == 1)
            {
                LogSent(logger, row.DeliveryId, row.Kind, row.OrderNumber);
            }
            else
            {
                LogSentInBatch(logger, row.DeliveryId, row.Kind, row.OrderNumber);
            }
        }

        if (sent.Count > 1)
        {
            LogSentBatch(logger, sent.Count, string.Join("; ", sent.CountBy(r => r.Kind).Select(k => $"{k.Value}× {k.Key}")));
        }
    }

    // FileStem: the pickup file's name, when the kind names it itself.

    private Task ScheduleRetryAsync(long deliveryId, int attempts, Exception e)
    {
        // Only the error's type and SMTP status go anywhere: server messages can quote the address.
        var error = e is SmtpCommandException smtp ? $"{e.GetType().Name} {(int)smtp.StatusCode}" : e.GetType().Name;
        var giveUp = attempts >= options.Value.MaxAttempts;
        var delay = TimeSpan.FromSeconds(Math.Min(3600, options.Value.RetryBaseDelay.TotalSeconds * Math.Pow(2, Math.Max(0, attempts - 1))));
        var next = time.GetUtcNow().UtcDateTime + delay;
        return outcomes.RecordAsync(new DeliveryOutcome(MarkFailedAttemptSql, new
        {
            Id = deliveryId,
            Status = giveUp ? "failed" : "pending",
            NextAttemptAt = next,
            Error = error,
        }, [deliveryId], () =>
        {
            if (giveUp)
            {
                LogGaveUp(logger, deliveryId, attempts, error);
                return;
            }

            // Written late (storage refused it for a while), the retry is due at once.
            var wait = next - time.GetUtcNow().UtcDateTime;
            LogRetrying(logger, deliveryId, attempts, error, delay);
            jobs.Schedule<SendDeliveryJob>(job => job.RunAsync(deliveryId, CancellationToken.None), wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
        }));
    }

    private sealed class DeliveryRow
    {
        public long DeliveryId { get; init; }
        public string Kind { get; init; } = "";
        public string ToAddress { get; init; } = "";
        public int Attempts { get; init; }
        public string OrderNumber { get; init; } = "";
        public string ProductName { get; init; } = "";
        public string LicenseeName { get; init; } = "";
        public int? Seats { get; init; }
        public string? LicenseKey { get; init; }
        public string? LicenseStatus { get; init; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent delivery {DeliveryId} ({Kind}) for order {OrderNumber}")]
    private static partial void LogSent(ILogger logger, long deliveryId, string kind, string orderNumber);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sent delivery {DeliveryId} ({Kind}) for order {OrderNumber}")]
    private static partial void LogSentInBatch(ILogger logger, long deliveryId, string kind, string orderNumber);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent a batch of {Count} e-mail(s): {Kinds}")]
    private static partial void LogSentBatch(ILogger logger, int count, string kinds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery {DeliveryId} attempt {Attempt} failed ({Error}); retrying in {Delay}")]
    private static partial void LogRetrying(ILogger logger, long deliveryId, int attempt, string error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery {DeliveryId} gave up after {Attempt} attempts ({Error})")]
    private static partial void LogGaveUp(ILogger logger, long deliveryId, int attempt, string error);
}
