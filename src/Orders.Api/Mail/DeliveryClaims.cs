using Dapper;
using Hangfire;
using Orders.Api.Data;

namespace Orders.Api.Mail;

// The e-mail claims an instance holds (deliveries.claimed_by), released when it is gone: back to
// pending, due at once, and queued again. The attempt stays counted: the message may have gone out
// before its sender died (then, and only then, it goes out twice).
internal sealed partial class DeliveryClaims(Db db, IBackgroundJobClient jobs, TimeProvider time, ILogger<DeliveryClaims> logger) : IInstanceClaims
{
    private static readonly Dialect ReleaseOrphanedSql = new(
        Sqlite: """
            UPDATE deliveries SET status = 'pending', claimed_by = NULL, claimed_until = NULL, next_attempt_at = @Now
            WHERE status = 'sending' AND claimed_by IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM service_instances i WHERE i.id = deliveries.claimed_by)
            RETURNING id
            """,
        SqlServer: """
            UPDATE deliveries SET status = 'pending', claimed_by = NULL, claimed_until = NULL, next_attempt_at = @Now
            OUTPUT INSERTED.id
            WHERE status = 'sending' AND claimed_by IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM service_instances i WHERE i.id = deliveries.claimed_by)
            """,
        PostgreSql: """
            UPDATE deliveries SET status = 'pending', claimed_by = NULL, claimed_until = NULL, next_attempt_at = @Now
            WHERE status = 'sending' AND claimed_by IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM service_instances i WHERE i.id = deliveries.claimed_by)
            RETURNING id
            """);

    private static readonly Dialect ReleaseAllButSql = new(
        Sqlite: """
            UPDATE deliveries SET status = 'pending', claimed_by = NULL, claimed_until = NULL, next_attempt_at = @Now
            WHERE status = 'sending' AND (claimed_by IS NULL OR claimed_by <> @Self)
            RETURNING id
            """,
        SqlServer: """
            UPDATE deliveries SET status = 'pending', claimed_by = NULL, claimed_until = NULL, next_attempt_at = @Now
            OUTPUT INSERTED.id
            WHERE status = 'sending' AND (claimed_by IS NULL OR claimed_by <> @Self)
            """,
        PostgreSql: """
            UPDATE deliveries SET status = 'pending', claimed_by = NULL, claimed_until = NULL, next_attempt_at = @Now
            WHERE status = 'sending' AND (claimed_by IS NULL OR claimed_by <> @Self)
            RETURNING id
            """);

    private static readonly Dialect ReleaseHeldBySql = new(
        Sqlite: """
            UPDATE deliveries SET status = 'pending', claimed_by = NULL, claimed_until = NULL, next_attempt_at = @Now
            WHERE status = 'sending' AND claimed_by = @Holder
            RETURNING id
            """,
        SqlServer: """
            UPDATE deliveries SET status = 'pending', claimed_by = NULL, claimed_until = NULL, next_attempt_at = @Now
            OUTPUT INSERTED.id
            WHERE status = 'sending' AND claimed_by = @Holder
            """,
        PostgreSql: """
            UPDATE deliveries SET status = 'pending', claimed_by = NULL, claimed_until = NULL, next_attempt_at = @Now
            WHERE status = 'sending' AND claimed_by = @Holder
            RETURNING id
            """);

    public async Task<int> ReleaseOrphanedAsync(CancellationToken ct)
    {
        var released = await ReleaseAsync(ReleaseOrphanedSql, new { Now = Now() }, ct);
        if (released > 0)
        {
            LogReleasedOrphaned(logger, released);
        }

        return released;
    }

    public async Task<int> ReleaseAllButAsync(string self, CancellationToken ct)
    {
        var released = await ReleaseAsync(ReleaseAllButSql, new { Now = Now(), Self = self }, ct);
        if (released > 0)
        {
            LogReleasedPreviousRun(logger, released);
        }

        return released;
    }

    public async Task<int> ReleaseHeldByAsync(string holder, CancellationToken ct)
    {
        var released = await ReleaseAsync(ReleaseHeldBySql, new { Now = Now(), Holder = holder }, ct);
        if (released > 0)
        {
            LogReleasedOwn(logger, released);
        }

        return released;
    }

    private DateTime Now() => time.GetUtcNow().UtcDateTime;

    private async Task<int> ReleaseAsync(Dialect sql, object parameters, CancellationToken ct)
    {
        long[] released;
        await using (var connection = await db.OpenAsync(ct))
        using (await db.WriteTurnAsync(WritePriority.Background, ct))
        {
            released = [.. await connection.QueryAsync<long>(new CommandDefinition(db.Pick(sql), parameters, cancellationToken: ct))];
        }

        try
        {
            foreach (var group in released.Chunk(SendDeliveryJob.MaxBatch))
            {
                jobs.Enqueue<SendDeliveryJob>(job => job.RunBatchAsync(group, CancellationToken.None));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The rows are pending and due: the recovery sweep queues them within a minute.
            LogQueueFailed(logger, released.Length, e.GetType().Name);
        }

        return released.Length;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Released {Count} e-mail claim(s) held by an instance taken for dead; they are sent again")]
    private static partial void LogReleasedOrphaned(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Released {Count} e-mail claim(s) left by a previous run of the service; they are sent again")]
    private static partial void LogReleasedPreviousRun(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Released {Count} e-mail claim(s) of this instance as it stops; another instance sends them")]
    private static partial void LogReleasedOwn(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Released {Count} e-mail claim(s) but could not queue them ({ErrorType}); the recovery sweep picks them up")]
    private static partial void LogQueueFailed(ILogger logger, int count, string errorType);
}
