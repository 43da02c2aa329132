using Dapper;
using Hangfire;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Orders;
using Orders.Api.Payments;
using Orders.Api.Webhooks;

namespace Orders.Api.Processing;

// Runs one inbox row. Takes only the id; everything else is re-read, so a late, repeated or
// concurrent run is harmless. Failures are recorded on the row and rethrown for Hangfire's retry;
// the recovery sweep re-enqueues the row if the job itself is lost.
internal sealed partial class ProcessInboxEventJob(
    Db db,
    PaymentEventApplier applier,
    ProviderConfirmation confirmation,
    OrdersMetrics metrics,
    TimeProvider time,
    ILogger<ProcessInboxEventJob> logger)
{
    private const string LoadSql = $"SELECT {InboxRow.Columns} FROM webhook_inbox WHERE id = @Id";

    private const string RecordFailureSql = """
        UPDATE webhook_inbox SET attempts = attempts + 1, last_error = @Error WHERE id = @Id AND processed_at IS NULL
        """;

    [AutomaticRetry(Attempts = 10)]
    public async Task RunAsync(long inboxId, CancellationToken cancellationToken)
    {
        try
        {
            await metrics.TimeJobAsync("process-inbox-event", () => ProcessAsync(inboxId, cancellationToken));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await RecordFailureAsync(inboxId, e);
            throw;
        }
    }

    // Also called inline by the customer's return from the provider, so the status page is up to
    // date the moment the customer lands on it.
    public async Task<ApplyResult> ProcessAsync(long inboxId, CancellationToken ct)
    {
        InboxRow? row;
        await using (var connection = await db.OpenAsync(ct))
        {
            row = await connection.QuerySingleOrDefaultAsync<InboxRow>(new CommandDefinition(LoadSql, new { Id = inboxId }, cancellationToken: ct));
        }

        if (row is null || row.ProcessedAt is not null)
        {
            return new ApplyResult(row?.Outcome ?? "unknown event", row?.OrderId);
        }

        // A notification (or an approval stored before notifications were confirmed) is a reason to
        // ask the provider, never a fact of its own.
        return row.EventKind is PaymentEventKind.Notified or PaymentEventKind.Approved
            ? await confirmation.ConfirmNotificationAsync(row, ct)
            : await applier.ApplyAsync(inboxId, ct);
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
