using System.Data.Common;
using System.Threading.Channels;
using Dapper;
using Hangfire;
using Orders.Api.Data;
using Orders.Api.Payments;

namespace Orders.Api.PaymentEvents;

// TransmissionReused: refused, nothing stored: the provider's transmission id came before with another body.
internal sealed record StoredEvent(long InboxId, bool Duplicate, bool TransmissionReused = false)
{
    public static readonly StoredEvent Refused = new(0, Duplicate: false, TransmissionReused: true);
}

// The inbox is where a verified provider event becomes durable. Exactly-once per provider event id
// is the unique index (provider, provider_event_id): a repeat delivery finds the first row.
//
// A repeat of an event that this instance committed recently is answered from memory
// (RecentlyStoredEvents); every other event, repeat or not, goes through the writer below.
//
// Group commit: every caller waits for its event to be committed, but concurrent callers share one
// transaction (one fsync) instead of paying one each. A writer loop takes whatever is queued (up to
// a batch), writes it in one transaction, and only after the commit completes each caller's task;
// if the commit fails, every caller in the batch gets the error (and its provider a 503).
//
// Webhooks (StoreForProcessingAsync) also get their processing queued in groups: after the commit,
// the new inbox ids join a pending group, and one Hangfire job takes the group once it holds
// JobSize ids (four processing chunks, ProcessInboxBatchJob.ChunkSize) or the writer has nothing
// more queued. So at low traffic every commit's events are queued at once, and under a backlog,
// when commits follow each other back to back, a job gets four full chunks. Enqueuing a job per
// event cost more than everything else on the ingest path together (Hangfire's client runs its
// filters and state machine and waits on the storage for each job); a job per small commit was
// still ≈ 5 % of the CPU, and a job per chunk of 32 ≈ 6–9 % (with the in-memory storage's
// dispatcher thread spinning for each). A backlog still makes far more jobs than there are
// workers, so processing stays parallel. Ids are only ever queued after their commit. A lost or
// failed enqueue loses nothing, nor does a crash with a group still pending: the recovery sweep
// re-enqueues every unprocessed inbox row (at start-up, all of them).
//
// The writer hands each group to a second loop that enqueues it, and goes on writing. An enqueue is
// a round trip to the job storage (a SQL Server in production; here the in-memory storage, whose
// client waits for its dispatcher thread): under a backlog the writer spent a fifth of its time
// waiting for those (≈ 0.9 ms each on two busy cores, docs/bench-history-2026-11.md round 9), and every event
// queued behind it waited too.
// Groups that pile up behind a slow enqueue go out joined, up to JobSize ids (TakeJob).
internal sealed partial class PaymentEventStore(Db db, IBackgroundJobClient jobs, TimeProvider time, ILogger<PaymentEventStore> logger) : BackgroundService
{
    private const int MaxBatch = 256;

    internal const int JobSize = ProcessInboxBatchJob.ChunkSize * 4;

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
            """,
        PostgreSql: """
            INSERT INTO webhook_inbox (provider, provider_event_id, event_type, kind, order_number, provider_order_ref,
                                       provider_transaction_ref, provider_refund_ref, amount_minor, currency, sku, received_at)
            VALUES (@Provider, @EventId, @EventType, @Kind, @OrderNumber, @ProviderOrderRef,
                    @TransactionRef, @RefundRef, @AmountMinor, @Currency, @Sku, @ReceivedAt)
            ON CONFLICT (provider, provider_event_id) DO NOTHING
            RETURNING id
            """);

    private const string FindSql = """
        SELECT id FROM webhook_inbox WHERE provider = @Provider AND provider_event_id = @EventId
        """;

    private static readonly Dialect InsertTransmissionSql = new(
        Sqlite: """
            INSERT INTO webhook_transmissions (provider, transmission_id, body_sha256, received_at)
            VALUES (@Provider, @TransmissionId, @BodySha256, @ReceivedAt)
            ON CONFLICT (provider, transmission_id) DO NOTHING
            """,
        SqlServer: """
            INSERT INTO webhook_transmissions (provider, transmission_id, body_sha256, received_at)
            SELECT @Provider, @TransmissionId, @BodySha256, @ReceivedAt
            WHERE NOT EXISTS (SELECT 1 FROM webhook_transmissions WITH (UPDLOCK, HOLDLOCK) WHERE provider = @Provider AND transmission_id = @TransmissionId)
            """,
        PostgreSql: """
            INSERT INTO webhook_transmissions (provider, transmission_id, body_sha256, received_at)
            VALUES (@Provider, @TransmissionId, @BodySha256, @ReceivedAt)
            ON CONFLICT (provider, transmission_id) DO NOTHING
            """);

    private const string FindTransmissionSql = """
        SELECT body_sha256 FROM webhook_transmissions WHERE provider = @Provider AND transmission_id = @TransmissionId
        """;

    // About 5 MB at most; under a backlog, the repeats of the last ≈ 30,000 events.
    private const int RecentCapacity = 32_768;

    private readonly List<long> pendingProcessing = new(JobSize * 2);

    private readonly RecentlyStoredEvents recent = new(RecentCapacity);

    private readonly RecentTransmissions transmissions = new(RecentCapacity);

    private readonly Channel<PendingWrite> queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });

    // Groups of committed inbox ids on their way to Hangfire: one job each, or several joined into one
    // when they queue up behind a slow enqueue (TakeJob).
    private readonly Channel<long[]> processingGroups = Channel.CreateUnbounded<long[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    // Whether this instance committed the provider's event recently (see RecentlyStoredEvents).
    public bool TryGetRecentlyStored(string provider, string eventId, out long inboxId) => recent.TryGet(provider, eventId, out inboxId);

    // For a delivery answered without a write (a recent repeat): false when its transmission id was
    // accepted by this instance with another body.
    public bool TryAcceptRecentTransmission(WebhookTransmission transmission) => transmissions.TryAccept(transmission);

    // Stores the event; the caller applies it (or leaves it to the recovery sweep).
    public Task<StoredEvent> StoreAsync(PaymentEvent e, CancellationToken ct) => EnqueueWrite(e, null, process: false, ct);

    // Stores the event and, if it is new, queues its processing (see above). With a transmission, the
    // same transaction records it, and refuses the event (StoredEvent.Refused) if that transmission
    // id was stored before with another body.
    public Task<StoredEvent> StoreForProcessingAsync(PaymentEvent e, CancellationToken ct, WebhookTransmission? transmission = null) =>
        EnqueueWrite(e, transmission, process: true, ct);

    private Task<StoredEvent> EnqueueWrite(PaymentEvent e, WebhookTransmission? transmission, bool process, CancellationToken ct)
    {
        CardNumberGuard.EnsureNoCardNumbers(e.EventId, e.EventType, e.OrderNumber, e.ProviderOrderRef, e.TransactionRef, e.RefundRef, e.Currency, e.Sku);
        if (transmission is null && recent.TryGet(e.Provider, e.EventId, out var storedId))
        {
            return Task.FromResult(new StoredEvent(storedId, Duplicate: true));
        }

        var write = new PendingWrite(e, transmission, process, new TaskCompletionSource<StoredEvent>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!queue.Writer.TryWrite(write))
        {
            throw new InvalidOperationException("The inbox is shutting down.");
        }

        // The caller may stop waiting; the write itself still happens (or fails) as one batch.
        return write.Result.Task.WaitAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var enqueuing = Task.Run(EnqueueGroupsAsync, CancellationToken.None);
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
                if (pendingProcessing.Count >= JobSize || !queue.Reader.TryPeek(out _))
                {
                    EnqueueProcessing();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: whatever is still queued was never acknowledged; fail it so callers answer 503.
        }

        EnqueueProcessing();
        processingGroups.Writer.TryComplete();

        queue.Writer.TryComplete();
        while (queue.Reader.TryRead(out var left))
        {
            left.Result.TrySetException(new InvalidOperationException("The inbox stopped before storing this event."));
        }

        // The groups already handed over are still enqueued (the host's shutdown timeout bounds this).
        await enqueuing;
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
                await using var statements = new InboxStatements(connection, tx, db.Pick(InsertSql));
                for (var i = 0; i < batch.Count; i++)
                {
                    results[i] = batch[i].Transmission is { } transmission && !await RecordTransmissionAsync(connection, tx, transmission, receivedAt)
                        ? StoredEvent.Refused
                        : await InsertAsync(statements, batch[i].Event, receivedAt);
                }

                await tx.CommitAsync();
            }

            for (var i = 0; i < batch.Count; i++)
            {
                if (results[i].TransmissionReused)
                {
                    continue;
                }

                if (batch[i].Process && !results[i].Duplicate)
                {
                    pendingProcessing.Add(results[i].InboxId);
                }

                recent.Add(batch[i].Event.Provider, batch[i].Event.EventId, results[i].InboxId);
                if (batch[i].Transmission is { } transmission)
                {
                    transmissions.TryAccept(transmission);
                }
            }

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

    // False when the transmission id is already stored with another body.
    private async Task<bool> RecordTransmissionAsync(DbConnection connection, DbTransaction tx, WebhookTransmission t, DateTime receivedAt)
    {
        var args = new { t.Provider, t.TransmissionId, t.BodySha256, ReceivedAt = receivedAt };
        if (await connection.ExecuteAsync(new CommandDefinition(db.Pick(InsertTransmissionSql), args, tx)) == 1)
        {
            return true;
        }

        var known = await connection.ExecuteScalarAsync<string>(new CommandDefinition(FindTransmissionSql, args, tx));
        return string.Equals(known?.Trim(), t.BodySha256, StringComparison.Ordinal);
    }

    private static async Task<StoredEvent> InsertAsync(InboxStatements statements, PaymentEvent e, DateTime receivedAt)
    {
        if (await statements.InsertAsync(e, receivedAt) is { } inserted)
        {
            return new StoredEvent(inserted, Duplicate: false);
        }

        return new StoredEvent(await statements.FindExistingAsync(e), Duplicate: true);
    }

    // The batch's INSERT (and the look-up of a duplicate's row) as one command each whose
    // parameters are rebound per event, instead of a new Dapper command per event:
    // Microsoft.Data.Sqlite compiles a command's SQL when it first runs and re-runs the compiled
    // statement after that, so a batch pays for parsing once, not per event (SQL Server caches the
    // plan either way). Parameters only, as everywhere. Since Db keeps compiled statements per
    // connection (Data/SqliteSessions.cs), plain Dapper calls would no longer recompile either; this
    // class still saves Dapper's per-call parameter work on the hottest path, and replacing it is
    // left until an ingest pair shows what that is worth.
    private sealed class InboxStatements : IAsyncDisposable
    {
        private readonly DbCommand command;
        private readonly DbParameter[] parameters;
        private readonly DbCommand find;
        private readonly DbParameter[] findParameters;

        public InboxStatements(DbConnection connection, DbTransaction tx, string sql)
        {
            (command, parameters) = Create(connection, tx, sql, Names);
            (find, findParameters) = Create(connection, tx, FindSql, ["Provider", "EventId"]);
        }

        private static (DbCommand Command, DbParameter[] Parameters) Create(DbConnection connection, DbTransaction tx, string sql, string[] names)
        {
            var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = sql;
            var parameters = new DbParameter[names.Length];
            for (var i = 0; i < names.Length; i++)
            {
                parameters[i] = command.CreateParameter();
                parameters[i].ParameterName = "@" + names[i];
                if (connection is Microsoft.Data.SqlClient.SqlConnection)
                {
                    // One declared size for every value, as Dapper does: SqlClient otherwise declares
                    // nvarchar(<length of this value>) and SQL Server caches a plan per length.
                    parameters[i].Size = 4000;
                }

                command.Parameters.Add(parameters[i]);
            }

            return (command, parameters);
        }

        private static readonly string[] Names =
            ["Provider", "EventId", "EventType", "Kind", "OrderNumber", "ProviderOrderRef", "TransactionRef", "RefundRef", "AmountMinor", "Currency", "Sku", "ReceivedAt"];

        // The new row's id, or null if the event is already in the inbox.
        public async Task<long?> InsertAsync(PaymentEvent e, DateTime receivedAt)
        {
            object?[] values =
                [e.Provider, e.EventId, e.EventType, e.Kind.ToString(), e.OrderNumber, e.ProviderOrderRef, e.TransactionRef, e.RefundRef, e.AmountMinor, e.Currency, e.Sku];
            for (var i = 0; i < values.Length; i++)
            {
                parameters[i].Value = values[i] ?? DBNull.Value;
            }

            UtcDateTimeHandler.Bind(parameters[^1], receivedAt);

            return await command.ExecuteScalarAsync() is { } id and not DBNull ? Convert.ToInt64(id, System.Globalization.CultureInfo.InvariantCulture) : null;
        }

        // The row a repeated delivery found (same provider and event id), in the same transaction.
        public async Task<long> FindExistingAsync(PaymentEvent e)
        {
            findParameters[0].Value = e.Provider;
            findParameters[1].Value = e.EventId;
            return Convert.ToInt64(await find.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }

        public async ValueTask DisposeAsync()
        {
            await command.DisposeAsync();
            await find.DisposeAsync();
        }
    }

    // On the writer's loop: hands the pending group over without waiting for the job storage.
    private void EnqueueProcessing()
    {
        if (pendingProcessing.Count == 0)
        {
            return;
        }

        processingGroups.Writer.TryWrite([.. pendingProcessing]);
        pendingProcessing.Clear();
    }

    private async Task EnqueueGroupsAsync()
    {
        var groups = processingGroups.Reader;
        while (await groups.WaitToReadAsync())
        {
            while (TakeJob(groups) is { } inboxIds)
            {
                Enqueue(inboxIds);
            }
        }
    }

    // The next group, joined by the groups queued behind it while the last enqueue waited for the
    // job storage, up to JobSize ids: when the storage is slower than the commits, fewer and fuller
    // jobs instead of a queue of small ones (each enqueue costs the same, whatever it carries).
    internal static long[]? TakeJob(ChannelReader<long[]> groups)
    {
        if (!groups.TryRead(out var first))
        {
            return null;
        }

        if (!groups.TryPeek(out var next) || first.Length + next.Length > JobSize)
        {
            return first;
        }

        var joined = new List<long>(JobSize);
        joined.AddRange(first);
        while (groups.TryPeek(out next) && joined.Count + next.Length <= JobSize && groups.TryRead(out next))
        {
            joined.AddRange(next);
        }

        return [.. joined];
    }

    private void Enqueue(long[] inboxIds)
    {
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

    private sealed record PendingWrite(PaymentEvent Event, WebhookTransmission? Transmission, bool Process, TaskCompletionSource<StoredEvent> Result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} stored inbox event(s) not enqueued ({ErrorType}); the recovery sweep will pick them up")]
    private static partial void LogEnqueueFailed(ILogger logger, int count, string errorType);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store a batch of {Count} inbox event(s) ({ErrorType}); their senders are told to retry")]
    private static partial void LogBatchFailed(ILogger logger, int count, string errorType);
}
