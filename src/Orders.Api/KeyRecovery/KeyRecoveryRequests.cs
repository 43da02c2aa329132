using System.Globalization;
using System.Net.Mail;
using Dapper;
using Hangfire;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Mail;

namespace Orders.Api.KeyRecovery;

internal abstract record RecoveryOutcome
{
    // Whatever the address: known, unknown, erased or asked for a moment ago.
    public sealed record Accepted : RecoveryOutcome;

    public sealed record Invalid(Dictionary<string, string[]> Errors) : RecoveryOutcome;
}

// "E-mail me my license keys." The request only stores the address and enqueues the job, the same
// work for an address that has licenses and one that has none, so neither the answer nor its timing
// tells a stranger whether someone is a customer. The job looks the address up, queues one e-mail
// listing all its active keys (at most one per address per RecoveryWindow, decided in the database
// so every instance agrees), and deletes the request.
internal sealed partial class KeyRecoveryRequests(Db db, IBackgroundJobClient jobs, TimeProvider time, ILogger<KeyRecoveryRequests> logger)
{
    public const int MaxEmailLength = 254;

    private static readonly Dialect InsertRequestSql = new(
        Sqlite: """
            INSERT INTO license_recovery_requests (email, requested_at) VALUES (@Email, @Now)
            RETURNING id
            """,
        SqlServer: """
            INSERT INTO license_recovery_requests (email, requested_at) OUTPUT INSERTED.id VALUES (@Email, @Now)
            """,
        PostgreSql: """
            INSERT INTO license_recovery_requests (email, requested_at) VALUES (@Email, @Now)
            RETURNING id
            """);

    public static Dictionary<string, string[]>? EmailProblems(string? email)
    {
        var text = email?.Trim() ?? "";
        var valid = text.Length is > 0 and <= MaxEmailLength
            && !text.Any(char.IsWhiteSpace)
            && MailAddress.TryCreate(text, out var address)
            && address.Address == text
            && !CardNumberGuard.ContainsCardLikeNumber(text);
        return valid ? null : new() { ["email"] = ["Enter the e-mail address you bought the license with."] };
    }

    public async Task<RecoveryOutcome> RequestAsync(string? email, CancellationToken ct)
    {
        if (EmailProblems(email) is { } errors)
        {
            return new RecoveryOutcome.Invalid(errors);
        }

        long id;
        await using (var connection = await db.OpenAsync(ct))
        using (await db.WriteTurnAsync(WritePriority.Interactive, ct))
        {
            id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(db.Pick(InsertRequestSql),
                new { Email = email!.Trim(), Now = time.GetUtcNow().UtcDateTime }, cancellationToken: ct));
        }

        try
        {
            jobs.Enqueue<KeyRecoveryJob>(job => job.RunAsync(id, CancellationToken.None));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Stored is what matters: the job's minutely sweep handles requests the queue never saw.
            LogEnqueueFailed(logger, id, e.GetType().Name);
        }

        return new RecoveryOutcome.Accepted();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key recovery request {RequestId} stored but not enqueued ({ErrorType}); the minutely sweep will pick it up")]
    private static partial void LogEnqueueFailed(ILogger logger, long requestId, string errorType);
}

// Looks up one stored request (or, from the minutely sweep, every one left behind) and turns it into
// at most one key-recovery e-mail, then deletes it. Safe to run twice or concurrently: the request is
// read and deleted in one write transaction, and the e-mail's dedupe key is unique.
internal sealed partial class KeyRecoveryJob(Db db, IBackgroundJobClient jobs, OrdersMetrics metrics, TimeProvider time, ILogger<KeyRecoveryJob> logger)
{
    public const string RecurringJobId = "key-recovery-sweep";

    // At most one recovery e-mail per address in this window.
    public static readonly TimeSpan RecoveryWindow = TimeSpan.FromMinutes(10);

    private const int SweepBatch = 100;

    private static readonly Dialect LoadRequestSql = new(
        Sqlite: "SELECT id AS Id, email AS Email FROM license_recovery_requests WHERE id = @Id",
        SqlServer: "SELECT id AS Id, email AS Email FROM license_recovery_requests WITH (UPDLOCK, ROWLOCK) WHERE id = @Id",
        PostgreSql: "SELECT id AS Id, email AS Email FROM license_recovery_requests WHERE id = @Id FOR UPDATE");

    private static readonly Dialect LeftBehindSql = new(
        Sqlite: "SELECT id FROM license_recovery_requests ORDER BY id LIMIT @Limit",
        SqlServer: "SELECT TOP (@Limit) id FROM license_recovery_requests ORDER BY id",
        PostgreSql: "SELECT id FROM license_recovery_requests ORDER BY id LIMIT @Limit");

    private const string DeleteRequestSql = "DELETE FROM license_recovery_requests WHERE id = @Id";

    // The address's latest order that still has an active license carries the e-mail (its stored
    // address is where it goes). Erased orders have no address left to match.
    private const string LatestLicensedOrderSql = """
        SELECT MAX(o.id) FROM orders o
        WHERE o.email_lower IN @Keys AND o.erased_at IS NULL
          AND EXISTS (SELECT 1 FROM licenses l WHERE l.order_id = o.id AND l.status = 'active')
        """;

    private const string RecentlySentSql = """
        SELECT COUNT(*) FROM deliveries d JOIN orders o ON o.id = d.order_id
        WHERE o.email_lower IN @Keys AND d.kind = 'key-recovery' AND d.created_at > @Since
        """;

    // The dedupe key names the order and the window's time bucket: two instances answering the same
    // address at once write one row.
    private static readonly Dialect InsertDeliverySql = new(
        Sqlite: """
            INSERT INTO deliveries (order_id, kind, dedupe_key, to_address, status, attempts, created_at, next_attempt_at)
            SELECT o.id, 'key-recovery', @DedupeKey, o.email, 'pending', 0, @Now, @Now FROM orders o WHERE o.id = @OrderId
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id
            """,
        SqlServer: """
            INSERT INTO deliveries (order_id, kind, dedupe_key, to_address, status, attempts, created_at, next_attempt_at)
            OUTPUT INSERTED.id
            SELECT o.id, 'key-recovery', @DedupeKey, o.email, 'pending', 0, @Now, @Now FROM orders o
            WHERE o.id = @OrderId AND NOT EXISTS (SELECT 1 FROM deliveries WITH (UPDLOCK, HOLDLOCK) WHERE dedupe_key = @DedupeKey)
            """,
        PostgreSql: """
            INSERT INTO deliveries (order_id, kind, dedupe_key, to_address, status, attempts, created_at, next_attempt_at)
            SELECT o.id, 'key-recovery', @DedupeKey, o.email, 'pending', 0, @Now, @Now FROM orders o WHERE o.id = @OrderId
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id
            """);

    [AutomaticRetry(Attempts = 3)]
    public Task RunAsync(long requestId, CancellationToken cancellationToken) =>
        metrics.TimeJobAsync("key-recovery", () => HandleAsync(requestId, cancellationToken));

    // Requests whose job was lost (in-memory job storage and a restart, a failed enqueue).
    [AutomaticRetry(Attempts = 0)]
    public Task SweepAsync(CancellationToken cancellationToken) =>
        metrics.TimeJobAsync("key-recovery-sweep", async () =>
        {
            IReadOnlyList<long> ids;
            await using (var connection = await db.OpenAsync(cancellationToken))
            {
                ids = [.. await connection.QueryAsync<long>(new CommandDefinition(db.Pick(LeftBehindSql), new { Limit = SweepBatch }, cancellationToken: cancellationToken))];
            }

            foreach (var id in ids)
            {
                await HandleAsync(id, cancellationToken);
            }
        });

    private async Task HandleAsync(long requestId, CancellationToken ct)
    {
        long? deliveryId = null;
        var now = time.GetUtcNow().UtcDateTime;
        await using (var connection = await db.OpenAsync(ct))
        using (await db.WriteTurnAsync(WritePriority.Background, ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            var request = await connection.QuerySingleOrDefaultAsync<RequestRow>(new CommandDefinition(db.Pick(LoadRequestSql), new { Id = requestId }, tx, cancellationToken: ct));
            if (request is null)
            {
                return; // handled by another run
            }

            var keys = AddressKeys(request.Email);
            var orderId = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(LatestLicensedOrderSql, new { Keys = keys }, tx, cancellationToken: ct));
            if (orderId is { } id
                && await connection.ExecuteScalarAsync<long>(new CommandDefinition(RecentlySentSql, new { Keys = keys, Since = now - RecoveryWindow }, tx, cancellationToken: ct)) == 0)
            {
                var bucket = now.Ticks / RecoveryWindow.Ticks;
                deliveryId = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(db.Pick(InsertDeliverySql), new
                {
                    OrderId = id,
                    DedupeKey = string.Create(CultureInfo.InvariantCulture, $"key-recovery:{id}:{bucket}"),
                    Now = now,
                }, tx, cancellationToken: ct));
            }

            await connection.ExecuteAsync(new CommandDefinition(DeleteRequestSql, new { Id = requestId }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
        }

        // The log says only whether an e-mail was queued, never for which address.
        LogHandled(logger, requestId, deliveryId is not null);
        if (deliveryId is { } queued)
        {
            jobs.Enqueue<SendDeliveryJob>(job => job.RunAsync(queued, CancellationToken.None));
        }
    }

    // How orders.email_lower may hold the address: SQLite's lower() folds only ASCII letters, SQL
    // Server's LOWER() folds all of them, so both foldings are looked up.
    private static string[] AddressKeys(string email)
    {
        var full = email.Trim().ToLowerInvariant();
        var ascii = string.Concat(email.Trim().Select(c => char.IsAsciiLetterUpper(c) ? char.ToLowerInvariant(c) : c));
        return ascii == full ? [ascii] : [ascii, full];
    }

    private sealed class RequestRow
    {
        public long Id { get; init; }
        public string Email { get; init; } = "";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Key recovery request {RequestId} handled (e-mail queued: {Queued})")]
    private static partial void LogHandled(ILogger logger, long requestId, bool queued);
}
