using System.Data.Common;
using System.Threading.Channels;
using Dapper;
using Hangfire;
using Orders.Api.Data;
using Orders.Api.Payments;

namespace Orders.Api.Webhooks;

internal sealed record StoredEvent(long InboxId, bool Duplicate);

// The inbox is where a verified provider event becomes durable. Exactly-once per provider event id
// is the unique index (provider, provider_event_id): a repeat delivery finds the first row.
//
// Group commit: every caller waits for its event to be committed, but concurrent callers share one
// transaction (one fsync) instead of paying one each. A writer loop takes whatever is queued (up to
// a batch), writes it in one transaction, and only after the commit completes each caller's task;
// if the commit fails, every caller in the batch gets the error (and its provider a 503).
//
// Webhooks (StoreForProcessingAsync) also get their processing queued per batch: after the commit,
// one Hangfire job with the new inbox ids of the batch, before any caller is answered. Enqueuing a
// job per event cost more than everything else on the ingest path together (Hangfire's client runs
// its filters and state machine and waits on the storage for each job). A lost or failed enqueue
// loses nothing: the recovery sweep re-enqueues every unprocessed inbox row.
internal sealed partial class Inbox(Db db, IBackgroundJobClient jobs, TimeProvider time, ILogger<Inbox> logger) : BackgroundService
{
    private const int MaxBatch = 256;

    private static readonly Dialect InsertSql = new(
        Sqlite: """
            INSERT INTO webhook_inbox (provider, provider_event_id, event_type, kind, order_number, provider_order_ref,
                                       provider_transaction_ref, provider_refund_ref, amount_minor, currency, sku, received_at)
            VALUES (@Provider, @EventId, @EventType, @Kind, @OrderNumber, @ProviderOrderRef,
                    @TransactionRef, @RefundRef, @AmountMinor, @Currency, @Sku, @ReceivedAt)
            ON CONFLICT (provider, provider_event_id) DO NOTHING
            RETURNING id
            """,
        SqlServer: """
            INSERT INTO webhook_inbox (provider, provider_event_id, event_type, kind, order_number, provider_order_ref,
                                       provider_transaction_ref, provider_refund_ref, amount_minor, currency, sku, received_at)
            OUTPUT INSERTED.id
            SELECT @Provider, @EventId, @EventType, @Kind, @OrderNumber, @ProviderOrderRef,
                   @TransactionRef, @RefundRef, @AmountMinor, @Currency, @Sku, @ReceivedAt
            WHERE NOT EXISTS (SELECT 1 FROM webhook_inbox WITH (UPDLOCK, HOLDLOCK) WHERE provider = @Provider AND provider_event_id = @EventId)
            """);

    private const string FindSql = """
        SELECT id FROM webhook_inbox WHERE provider = @Provider AND provider_event_id = @EventId
        """;

    private readonly Channel<PendingWrite> queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });

    // Stores the event; the caller applies it (or leaves it to the recovery sweep).
    public Task<StoredEvent> StoreAsync(PaymentEvent e, CancellationToken ct) => EnqueueWrite(e, process: false, ct);

    // Stores the event and, if it is new, queues its processing (see above).
    public Task<StoredEvent> StoreForProcessingAsync(PaymentEvent e, CancellationToken ct) => EnqueueWrite(e, process: true, ct);

    private Task<StoredEvent> EnqueueWrite(PaymentEvent e, bool process, CancellationToken ct)
    {
        CardNumberGuard.EnsureNoCardNumbers(e.EventId, e.EventType, e.OrderNumber, e.ProviderOrderRef, e.TransactionRef, e.RefundRef, e.Currency, e.Sku);
        var write = new PendingWrite(e, process, new TaskCompletionSource<StoredEvent>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!queue.Writer.TryWrite(write))
        {
            throw new InvalidOperationException("The inbox is shutting down.");
        }

        // The caller may stop waiting; the write itself still happens (or fails) as one batch.
        return write.Result.Task.WaitAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<PendingWrite>(MaxBatch);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < MaxBatch && queue.Reader.TryRead(out var write))
                {
                    batch.Add(write);
                }

                await WriteBatchAsync(batch);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: whatever is still queued was never acknowledged; fail it so callers answer 503.
        }

        queue.Writer.TryComplete();
        while (queue.Reader.TryRead(out var left))
        {
            left.Result.TrySetException(new InvalidOperationException("The inbox stopped before storing this event."));
        }
    }

    private async Task WriteBatchAsync(List<PendingWrite> batch)
    {
        try
        {
            var results = new StoredEvent[batch.Count];
            await using (var connection = await db.OpenAsync(CancellationToken.None))
            using (await db.WriteTurnAsync(WritePriority.Request, CancellationToken.None))
            await using (var tx = await connection.BeginTransactionAsync())
            {
                var receivedAt = time.GetUtcNow().UtcDateTime;
                for (var i = 0; i < batch.Count; i++)
                {
                    results[i] = await InsertAsync(connection, tx, batch[i].Event, receivedAt);
                }

                await tx.CommitAsync();
            }

            EnqueueProcessing(batch, results);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Result.TrySetResult(results[i]);
            }
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or TimeoutException)
        {
            LogBatchFailed(logger, batch.Count, e.GetType().Name);
            foreach (var write in batch)
            {
                write.Result.TrySetException(e);
            }
        }
    }

    private async Task<StoredEvent> InsertAsync(DbConnection connection, DbTransaction tx, PaymentEvent e, DateTime receivedAt)
    {
        var args = new
        {
            e.Provider,
            e.EventId,
            e.EventType,
            Kind = e.Kind.ToString(),
            e.OrderNumber,
            e.ProviderOrderRef,
            e.TransactionRef,
            e.RefundRef,
            e.AmountMinor,
            e.Currency,
            e.Sku,
            ReceivedAt = receivedAt,
        };
        var id = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(db.Pick(InsertSql), args, tx));
        if (id is { } inserted)
        {
            return new StoredEvent(inserted, Duplicate: false);
        }

        var existing = await connection.ExecuteScalarAsync<long>(new CommandDefinition(FindSql, args, tx));
        return new StoredEvent(existing, Duplicate: true);
    }

    private void EnqueueProcessing(List<PendingWrite> batch, StoredEvent[] results)
    {
        var ids = new List<long>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i].Process && !results[i].Duplicate)
            {
                ids.Add(results[i].InboxId);
            }
        }

        if (ids.Count == 0)
        {
            return;
        }

        long[] inboxIds = [.. ids];
        try
        {
            jobs.Enqueue<ProcessInboxBatchJob>(job => job.RunAsync(inboxIds, CancellationToken.None));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Stored is what counts: the recovery sweep enqueues every unprocessed inbox row.
            LogEnqueueFailed(logger, inboxIds.Length, e.GetType().Name);
        }
    }

    private sealed record PendingWrite(PaymentEvent Event, bool Process, TaskCompletionSource<StoredEvent> Result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} stored inbox event(s) not enqueued ({ErrorType}); the recovery sweep will pick them up")]
    private static partial void LogEnqueueFailed(ILogger logger, int count, string errorType);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store a batch of {Count} inbox event(s) ({ErrorType}); their senders are told to retry")]
    private static partial void LogBatchFailed(ILogger logger, int count, string errorType);
}
