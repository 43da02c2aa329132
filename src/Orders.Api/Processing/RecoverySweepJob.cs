using Dapper;
using Hangfire;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Mail;
using Orders.Api.Webhooks;

namespace Orders.Api.Processing;

// The database remembers every unfinished piece of work; the job queue may forget it (in-memory
// storage after a restart, a lost job). This sweep, run at start-up and then every minute, enqueues
// each unprocessed inbox row and each due e-mail again. Running work twice is harmless by design.
internal sealed partial class RecoverySweepJob(Db db, IBackgroundJobClient jobs, OrdersMetrics metrics, TimeProvider time, ILogger<RecoverySweepJob> logger)
{
    public const string RecurringJobId = "recovery-sweep";

    // Rows younger than this are probably still in the queue; leave them to their own job.
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);
    private const int BatchSize = 500;

    private static readonly Dialect UnprocessedInboxSql = new(
        Sqlite: """
            SELECT id FROM webhook_inbox WHERE processed_at IS NULL AND received_at <= @Before ORDER BY id LIMIT @Limit
            """,
        SqlServer: """
            SELECT TOP (@Limit) id FROM webhook_inbox WHERE processed_at IS NULL AND received_at <= @Before ORDER BY id
            """);

    private static readonly Dialect DueDeliveriesSql = new(
        Sqlite: """
            SELECT id FROM deliveries
            WHERE (status = 'pending' AND next_attempt_at <= @Now AND created_at <= @Before)
               OR (status = 'sending' AND claimed_until < @Now)
            ORDER BY id LIMIT @Limit
            """,
        SqlServer: """
            SELECT TOP (@Limit) id FROM deliveries
            WHERE (status = 'pending' AND next_attempt_at <= @Now AND created_at <= @Before)
               OR (status = 'sending' AND claimed_until < @Now)
            ORDER BY id
            """);

    private const string BacklogSql = "SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NULL";

    // Only at start-up and only on SQLite, where one instance runs the jobs: a claim made before this
    // process started (claimed_until earlier than start + claim length) belongs to a process that is
    // gone (SIGKILL, power cut), so its row need not wait for the claim to run out. Claims this
    // process may already have made (a webhook served before start-up finished) are later and stay.
    // The attempt stays counted: the message may have gone out before the crash.
    private const string ReleaseClaimsOfTheDeadSql = """
        UPDATE deliveries SET status = 'pending', claimed_until = NULL, next_attempt_at = @Now
        WHERE status = 'sending' AND claimed_until < @ClaimedBefore
        """;

    public async Task<int> ReleaseClaimsOfAPreviousRunAsync(DateTime startedAt, TimeSpan claimLength, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var released = await connection.ExecuteAsync(new CommandDefinition(ReleaseClaimsOfTheDeadSql,
            new { Now = time.GetUtcNow().UtcDateTime, ClaimedBefore = startedAt + claimLength }, cancellationToken: ct));
        if (released > 0)
        {
            LogReleased(logger, released);
        }

        return released;
    }

    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(60)]
    public Task RunAsync(CancellationToken cancellationToken) => SweepAsync(Grace, cancellationToken);

    public async Task<(int Events, int Deliveries)> SweepAsync(TimeSpan grace, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var args = new { Now = now, Before = now - grace, Limit = BatchSize };
        IReadOnlyList<long> events, deliveries;
        await using (var connection = await db.OpenAsync(ct))
        {
            events = [.. await connection.QueryAsync<long>(new CommandDefinition(db.Pick(UnprocessedInboxSql), args, cancellationToken: ct))];
            deliveries = [.. await connection.QueryAsync<long>(new CommandDefinition(db.Pick(DueDeliveriesSql), args, cancellationToken: ct))];
            metrics.InboxBacklog(await connection.ExecuteScalarAsync<long>(new CommandDefinition(BacklogSql, cancellationToken: ct)));
        }

        // In groups, like fresh work: one transaction per group of events, one claim per group of e-mails.
        foreach (var group in events.Chunk(ProcessInboxBatchJob.ChunkSize))
        {
            jobs.Enqueue<ProcessInboxBatchJob>(job => job.RunAsync(group, CancellationToken.None));
        }

        foreach (var group in deliveries.Chunk(ProcessInboxBatchJob.ChunkSize))
        {
            jobs.Enqueue<SendDeliveryJob>(job => job.RunBatchAsync(group, CancellationToken.None));
        }

        if (events.Count + deliveries.Count > 0)
        {
            LogRecovered(logger, events.Count, deliveries.Count);
        }

        return (events.Count, deliveries.Count);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Released {Count} e-mail claim(s) left by a previous run of the service; they are sent again")]
    private static partial void LogReleased(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovery sweep re-enqueued {Events} inbox event(s) and {Deliveries} delivery(ies)")]
    private static partial void LogRecovered(ILogger logger, int events, int deliveries);
}
