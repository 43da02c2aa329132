using Dapper;
using Hangfire;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Mail;

namespace Orders.Api.PaymentEvents;

// The database remembers every unfinished piece of work; the job queue may forget it (in-memory
// storage after a restart, a lost job). This sweep, run at start-up and then every minute, enqueues
// each unprocessed inbox row and each due e-mail again. Running work twice is harmless by design.
internal sealed partial class RecoverySweepJob(Db db, IBackgroundJobClient jobs, OrdersMetrics metrics, TimeProvider time, ILogger<RecoverySweepJob> logger)
{
    public const string RecurringJobId = "recovery-sweep";

    // Rows younger than this are probably still in the queue; leave them to their own job.
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);
    private const int BatchSize = 500;

    // Keyset pages (id > @After) so the start-up sweep can walk a backlog of any size.
    private static readonly Dialect UnprocessedInboxSql = new(
        Sqlite: """
            SELECT id FROM webhook_inbox WHERE processed_at IS NULL AND received_at <= @Before AND id > @After ORDER BY id LIMIT @Limit
            """,
        SqlServer: """
            SELECT TOP (@Limit) id FROM webhook_inbox WHERE processed_at IS NULL AND received_at <= @Before AND id > @After ORDER BY id
            """,
        PostgreSql: """
            SELECT id FROM webhook_inbox WHERE processed_at IS NULL AND received_at <= @Before AND id > @After ORDER BY id LIMIT @Limit
            """);

    private static readonly Dialect DueDeliveriesSql = new(
        Sqlite: """
            SELECT id FROM deliveries
            WHERE id > @After
              AND ((status = 'pending' AND next_attempt_at <= @Now AND created_at <= @Before)
                OR (status = 'sending' AND claimed_until < @Now))
            ORDER BY id LIMIT @Limit
            """,
        SqlServer: """
            SELECT TOP (@Limit) id FROM deliveries
            WHERE id > @After
              AND ((status = 'pending' AND next_attempt_at <= @Now AND created_at <= @Before)
                OR (status = 'sending' AND claimed_until < @Now))
            ORDER BY id
            """,
        PostgreSql: """
            SELECT id FROM deliveries
            WHERE id > @After
              AND ((status = 'pending' AND next_attempt_at <= @Now AND created_at <= @Before)
                OR (status = 'sending' AND claimed_until < @Now))
            ORDER BY id LIMIT @Limit
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

    // The recurring sweep takes up to BatchSize of each per run (most unfinished work is still in
    // the queue). At start-up (allPages) nothing of it is in an in-memory queue any more, so the
    // sweep walks all of it: a crash during a 100,000-event backlog used to leave all but 500 of
    // the events for the minutely sweep, 500 a minute.
    public async Task<(int Events, int Deliveries)> SweepAsync(TimeSpan grace, CancellationToken ct, bool allPages = false)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var (events, deliveries) = (0, 0);
        long afterEvent = 0, afterDelivery = 0;
        await using var connection = await db.OpenAsync(ct);
        while (true)
        {
            IReadOnlyList<long> eventPage = [.. await connection.QueryAsync<long>(new CommandDefinition(db.Pick(UnprocessedInboxSql),
                new { Before = now - grace, After = afterEvent, Limit = BatchSize }, cancellationToken: ct))];
            IReadOnlyList<long> deliveryPage = [.. await connection.QueryAsync<long>(new CommandDefinition(db.Pick(DueDeliveriesSql),
                new { Now = now, Before = now - grace, After = afterDelivery, Limit = BatchSize }, cancellationToken: ct))];

            // In groups, like fresh work: one transaction per group of events, one claim per group of e-mails.
            foreach (var group in eventPage.Chunk(ProcessInboxBatchJob.ChunkSize))
            {
                jobs.Enqueue<ProcessInboxBatchJob>(job => job.RunAsync(group, CancellationToken.None));
            }

            foreach (var group in deliveryPage.Chunk(ProcessInboxBatchJob.ChunkSize))
            {
                jobs.Enqueue<SendDeliveryJob>(job => job.RunBatchAsync(group, CancellationToken.None));
            }

            events += eventPage.Count;
            deliveries += deliveryPage.Count;
            afterEvent = eventPage.Count > 0 ? eventPage[^1] : long.MaxValue;
            afterDelivery = deliveryPage.Count > 0 ? deliveryPage[^1] : long.MaxValue;
            if (!allPages || (eventPage.Count < BatchSize && deliveryPage.Count < BatchSize))
            {
                break;
            }
        }

        metrics.InboxBacklog(await connection.ExecuteScalarAsync<long>(new CommandDefinition(BacklogSql, cancellationToken: ct)));
        if (events + deliveries > 0)
        {
            LogRecovered(logger, events, deliveries);
        }

        return (events, deliveries);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Released {Count} e-mail claim(s) left by a previous run of the service; they are sent again")]
    private static partial void LogReleased(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovery sweep re-enqueued {Events} inbox event(s) and {Deliveries} delivery(ies)")]
    private static partial void LogRecovered(ILogger logger, int events, int deliveries);
}
