using Dapper;
using Hangfire;
using MailKit;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Orders;
using Orders.Api.Privacy;

namespace Orders.Api.Mail;

// Sends one deliveries row. A row is claimed with a conditional update before sending, so two runs
// of the same job (a retry racing the recovery sweep) cannot both send it. Retries are driven by
// the row itself (attempts, next_attempt_at): the database, not the job queue, remembers them.
internal sealed partial class SendDeliveryJob(
    Db db,
    IMailTransport transport,
    LicenseEmail composer,
    PrivacyNoticeEmail noticeEmail,
    StatusTokens statusTokens,
    PublicAddress publicAddress,
    IBackgroundJobClient jobs,
    IOptions<MailOptions> options,
    OrdersMetrics metrics,
    TimeProvider time,
    ILogger<SendDeliveryJob> logger)
{
    // A claim lasts long enough for one SMTP conversation; a crashed sender's claim runs out.
    private static readonly TimeSpan ClaimLength = TimeSpan.FromMinutes(5);

    private const string ClaimSql = """
        UPDATE deliveries SET status = 'sending', claimed_until = @ClaimedUntil, attempts = attempts + 1
        WHERE id = @Id
          AND ((status = 'pending' AND next_attempt_at <= @DueBy) OR (status = 'sending' AND claimed_until < @Now))
        """;

    private const string LoadSql = """
        SELECT d.id AS DeliveryId, d.kind AS Kind, d.to_address AS ToAddress, d.attempts AS Attempts,
               o.order_number AS OrderNumber, o.product_name AS ProductName, o.licensee_name AS LicenseeName,
               l.seats AS Seats, l.license_key AS LicenseKey, l.status AS LicenseStatus
        FROM deliveries d
        JOIN orders o ON o.id = d.order_id
        LEFT JOIN licenses l ON l.order_id = d.order_id AND l.line_no = 1
        WHERE d.id = @Id
        """;

    private const string MarkSentSql = """
        UPDATE deliveries SET status = 'sent', sent_at = @Now, claimed_until = NULL, last_error = NULL
        WHERE id = @Id AND status = 'sending'
        """;

    private const string MarkCanceledSql = """
        UPDATE deliveries SET status = 'canceled', claimed_until = NULL, last_error = @Error
        WHERE id = @Id AND status = 'sending'
        """;

    private const string MarkFailedAttemptSql = """
        UPDATE deliveries SET status = @Status, next_attempt_at = @NextAttemptAt, claimed_until = NULL, last_error = @Error
        WHERE id = @Id AND status = 'sending'
        """;

    [AutomaticRetry(Attempts = 0)]
    public Task RunAsync(long deliveryId, CancellationToken cancellationToken) =>
        metrics.TimeJobAsync("send-delivery", () => SendAsync(deliveryId, cancellationToken));

    private async Task SendAsync(long deliveryId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var connection = await db.OpenAsync(cancellationToken);
        // Hangfire keeps scheduled times in whole seconds and may start a retry up to a second
        // early; a retry that is almost due counts as due.
        var claimed = await connection.ExecuteAsync(new CommandDefinition(ClaimSql, new { Id = deliveryId, Now = now, DueBy = now.AddSeconds(2), ClaimedUntil = now + ClaimLength }, cancellationToken: cancellationToken));
        if (claimed == 0)
        {
            return; // sent already, not due yet, or another worker holds it
        }

        var row = await connection.QuerySingleAsync<DeliveryRow>(new CommandDefinition(LoadSql, new { Id = deliveryId }, cancellationToken: cancellationToken));
        // A privacy notice needs no license; it is canceled if the customer was erased meanwhile.
        var notice = row.Kind == DeliveryKinds.PrivacyNotice ? await noticeEmail.ComposeAsync(connection, deliveryId, row.ToAddress, cancellationToken) : null;
        if (notice is null ? row.LicenseKey is null || row.LicenseStatus != "active" : notice.Message is null)
        {
            await connection.ExecuteAsync(new CommandDefinition(MarkCanceledSql, new { Id = deliveryId, Error = notice?.CancelReason ?? "no active license to send" }, cancellationToken: cancellationToken));
            return;
        }

        var statusUrl = publicAddress.Resolve(StatusTokens.StatusPath(row.OrderNumber, statusTokens.For(row.OrderNumber)));
        var message = notice?.Message ?? composer.Compose(new LicenseEmailModel(
            deliveryId, row.Kind, row.ToAddress, row.OrderNumber, row.ProductName, row.LicenseeName, row.Seats ?? 1, row.LicenseKey!, statusUrl));

        try
        {
            await transport.SendAsync(message, notice?.FileStem ?? $"{deliveryId:D8}-{row.Kind}-{row.OrderNumber}", cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever went wrong with this attempt (server down, refused, timed out, a full disk),
            // the row must not stay claimed: record it and try again later.
            metrics.EmailFailed(row.Kind);
            await ScheduleRetryAsync(connection, deliveryId, row.Attempts, e);
            return;
        }

        await connection.ExecuteAsync(new CommandDefinition(MarkSentSql, new { Id = deliveryId, Now = time.GetUtcNow().UtcDateTime }, cancellationToken: CancellationToken.None));
        metrics.EmailSent(row.Kind);
        LogSent(logger, deliveryId, row.Kind, row.OrderNumber);
    }

    private async Task ScheduleRetryAsync(System.Data.Common.DbConnection connection, long deliveryId, int attempts, Exception e)
    {
        // Only the error's type and SMTP status go anywhere: server messages can quote the address.
        var error = e is SmtpCommandException smtp ? $"{e.GetType().Name} {(int)smtp.StatusCode}" : e.GetType().Name;
        var giveUp = attempts >= options.Value.MaxAttempts;
        var delay = TimeSpan.FromSeconds(Math.Min(3600, options.Value.RetryBaseDelay.TotalSeconds * Math.Pow(2, Math.Max(0, attempts - 1))));
        var next = time.GetUtcNow().UtcDateTime + delay;
        await connection.ExecuteAsync(new CommandDefinition(MarkFailedAttemptSql, new
        {
            Id = deliveryId,
            Status = giveUp ? "failed" : "pending",
            NextAttemptAt = next,
            Error = error,
        }, cancellationToken: CancellationToken.None));

        if (giveUp)
        {
            LogGaveUp(logger, deliveryId, attempts, error);
            return;
        }

        LogRetrying(logger, deliveryId, attempts, error, delay);
        jobs.Schedule<SendDeliveryJob>(job => job.RunAsync(deliveryId, CancellationToken.None), delay);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery {DeliveryId} attempt {Attempt} failed ({Error}); retrying in {Delay}")]
    private static partial void LogRetrying(ILogger logger, long deliveryId, int attempt, string error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery {DeliveryId} gave up after {Attempt} attempts ({Error})")]
    private static partial void LogGaveUp(ILogger logger, long deliveryId, int attempt, string error);
}
