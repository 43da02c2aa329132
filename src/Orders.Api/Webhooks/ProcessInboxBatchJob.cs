using Hangfire;
using Orders.Api.Processing;

namespace Orders.Api.Webhooks;

// Processes the events one group commit stored, one after the other (SQLite runs one write
// transaction at a time anyway). Carries ids only. An event that fails here is handed to its own
// ProcessInboxEventJob with the usual retries; if this job is lost, the recovery sweep finds the
// unprocessed rows.
internal sealed partial class ProcessInboxBatchJob(ProcessInboxEventJob events, IBackgroundJobClient jobs, ILogger<ProcessInboxBatchJob> logger)
{
    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(long[] inboxIds, CancellationToken cancellationToken)
    {
        foreach (var inboxId in inboxIds)
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
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbox {InboxId} failed in a batch ({ErrorType}); retrying it on its own")]
    private static partial void LogRetryingAlone(ILogger logger, long inboxId, string errorType);
}
