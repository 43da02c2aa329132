using Dapper;
using Hangfire;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Orders;
using Orders.Api.Payments;

namespace Orders.Api.PaymentEvents;

// Runs one inbox row. Takes only the id; everything else is re-read, so a late, repeated or
// concurrent run is harmless. Failures are recorded on the row and rethrown for Hangfire's retry;
// the recovery sweep re-enqueues the row if the job itself is lost.
internal sealed partial class ProcessInboxEventJob(
    Db db,
    PaymentEventProcessor processor,
    OrdersMetrics metrics,
    TimeProvider time,
    ILogger<ProcessInboxEventJob> logger)
{
    private const string RecordFailureSql = """
        UPDATE webhook_inbox SET attempts = attempts + 1, last_error = @Error WHERE id = @Id AND processed_at IS NULL
        """;

    [AutomaticRetry(Attempts = 10)]
    public async Task RunAsync(long inboxId, CancellationToken cancellationToken)
    {
        try
        {
            await metrics.TimeJobAsync("process-inbox-event", () => processor.ProcessAsync(inboxId, cancellationToken));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await RecordFailureAsync(inboxId, e);
            throw;
        }
    }

    private async Task RecordFailureAsync(long inboxId, Exception e)
    {
        try
        {
            await using var connection = await db.OpenAsync(CancellationToken.None);
            await connection.ExecuteAsync(new CommandDefinition(RecordFailureSql, new { Id = inboxId, Error = Describe(e) }));
        }
        catch (Exception recordError) when (recordError is not OperationCanceledException)
        {
            LogCouldNotRecord(logger, inboxId, recordError.GetType().Name);
        }

        LogFailed(logger, inboxId, e.GetType().Name, time.GetUtcNow());
    }

    // Exception messages here are ours or the provider's error names, never customer data; still,
    // keep them short and typed.
    private static string Describe(Exception e) => $"{e.GetType().Name}: {e.Message}"[..Math.Min(500, e.GetType().Name.Length + 2 + e.Message.Length)];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbox {InboxId} failed with {ErrorType} at {At}; will retry")]
    private static partial void LogFailed(ILogger logger, long inboxId, string errorType, DateTimeOffset at);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record the failure of inbox {InboxId} ({ErrorType})")]
    private static partial void LogCouldNotRecord(ILogger logger, long inboxId, string errorType);
}
