using Hangfire;
using Orders.Api.Hosting;

namespace Orders.Api.PaymentEvents;

// Processes the events one group commit stored. Carries ids only. The events are applied in groups
// of up to ChunkSize per database transaction (one commit for the group instead of one per event:
// on SQLite every commit is an fsync and there is one writer at a time, so the commits were the
// limit). Notifications (PayPal's) are confirmed with the provider as a group of their own
// (PaymentEventProcessor.ConfirmGroupAsync). If a group fails, nothing of it was applied (its
// transaction rolled back) and its events are run one at a time: each failure is recorded on its
// inbox row and the event gets its own ProcessInboxEventJob with the usual retries. If this job is
// lost, the recovery sweep finds the unprocessed rows.
internal sealed partial class ProcessInboxBatchJob(
    PaymentEventApplier applier,
    PaymentEventProcessor processor,
    ProcessInboxEventJob events,
    IBackgroundJobClient jobs,
    OrdersMetrics metrics,
    ILogger<ProcessInboxBatchJob> logger)
{
    // Bounds how long one transaction holds SQLite's write lock: the inbox's group commits wait
    // behind it (a checkout does not; the group makes way for it, PaymentEventApplier.ApplyBatchAsync).
    internal const int ChunkSize = 32;

    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(long[] inboxIds, CancellationToken cancellationToken)
    {
        foreach (var chunk in inboxIds.Chunk(ChunkSize))
        {
            // A group may stop early to let a checkout write (BatchApplied.Later); its rest follows
            // in the next transaction. Each transaction applies at least one event.
            IReadOnlyList<long> group = chunk;
            while (group.Count > 0)
            {
                var applied = new BatchApplied([], []);
                IReadOnlyList<long> alone;
                try
                {
                    await metrics.TimeJobAsync("process-inbox-batch", async () => applied = await applier.ApplyBatchAsync(group, cancellationToken));
                    // The notifications (they ask the provider first) are confirmed as a group too.
                    alone = applied.Alone.Count == 0 ? [] : await processor.ConfirmGroupAsync(applied.Alone, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogGroupFailed(logger, group.Count, e.GetType().Name);
                    alone = applied.Alone.Count > 0 ? applied.Alone : group;
                }

                foreach (var inboxId in alone)
                {
                    await RunAloneAsync(inboxId, cancellationToken);
                }

                group = applied.Later;
            }
        }
    }

    private async Task RunAloneAsync(long inboxId, CancellationToken cancellationToken)
    {
        try
        {
            // Records the failure on the inbox row before it throws.
            await events.RunAsync(inboxId, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogRetryingAlone(logger, inboxId, e.GetType().Name);
            jobs.Enqueue<ProcessInboxEventJob>(job => job.RunAsync(inboxId, CancellationToken.None));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A group of {Count} inbox event(s) failed ({ErrorType}) and was rolled back; applying them one at a time")]
    private static partial void LogGroupFailed(ILogger logger, int count, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbox {InboxId} failed in a batch ({ErrorType}); retrying it on its own")]
    private static partial void LogRetryingAlone(ILogger logger, long inboxId, string errorType);
}
