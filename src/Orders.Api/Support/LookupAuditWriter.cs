using System.Data.Common;
using System.Threading.Channels;
using Orders.Api.Data;

namespace Orders.Api.Support;

// Writes the audit entries of lookups (a search, opening an order) in group commits, off the
// request: with synchronous=FULL an entry per search meant an fsync per search, and searches queued
// behind each other's fsyncs (p99 35–55 ms at a million orders for a 1 ms lookup). Entries about
// changes are still written in the change's own transaction (AuditLog.WriteAsync with a
// connection).
//
// The writer lets entries gather for GatherFor before each commit (unless a reader is waiting).
// Committing whatever was queued at once made a commit (an fsync, and a rewrite of the same
// audit_log pages) per four or five searches under load; now it is one per 20 ms at most.
//
// What can be lost: nothing on a clean shutdown (stopping drains the queue, and an entry that
// arrives after that is written directly). On a crash (SIGKILL, power cut) the entries of the last
// moments that were not yet committed are lost: normally the lookups of the last GatherFor plus a
// commit, at most what queued up while the database was unavailable. A database error does not drop
// entries: the batch is retried every second until it is written or the service stops.
internal sealed partial class LookupAuditWriter(Db db, ILogger<LookupAuditWriter> logger) : BackgroundService
{
    private const int MaxBatch = 1024;

    private static readonly TimeSpan GatherFor = TimeSpan.FromMilliseconds(20);

    private readonly Channel<Pending> queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(10_000)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    // Entries taken by the writer and not yet committed.
    private long queued;

    // Readers waiting for every earlier entry to be committed (they should not wait for GatherFor).
    private int flushesWaiting;

    public async Task RecordAsync(AuditLog.Entry entry, CancellationToken ct)
    {
        Interlocked.Increment(ref queued);
        try
        {
            if (queue.Writer.TryWrite(new Pending(entry, null)) || await TryWriteSlowAsync(entry, ct))
            {
                return;
            }
        }
        catch
        {
            Interlocked.Decrement(ref queued);
            throw;
        }

        // Stopping: the queue is closed, so the entry is written here, before the answer.
        Interlocked.Decrement(ref queued);
        await WriteDirectAsync([entry], CancellationToken.None);
    }

    // Readers of the audit log see every lookup recorded before their read.
    public Task FlushAsync(CancellationToken ct)
    {
        if (Interlocked.Read(ref queued) == 0)
        {
            return Task.CompletedTask;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Increment(ref flushesWaiting);
        if (!queue.Writer.TryWrite(new Pending(null, done)))
        {
            Interlocked.Decrement(ref flushesWaiting);
            return Task.CompletedTask;
        }

        return done.Task.WaitAsync(ct);
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<AuditLog.Entry>(MaxBatch);
        var flushes = new List<TaskCompletionSource>();
        // Reads until the queue is closed and empty (StopAsync), so a clean shutdown writes everything.
        while (await queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            if (Volatile.Read(ref flushesWaiting) == 0 && queue.Reader.Count < MaxBatch && !stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(GatherFor, CancellationToken.None);
            }

            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var pending))
            {
                if (pending.Entry is { } entry)
                {
                    batch.Add(entry);
                }
                else
                {
                    flushes.Add(pending.Flushed!);
                }
            }

            await WriteWithRetriesAsync(batch, stoppingToken);
            Interlocked.Add(ref queued, -batch.Count);
            batch.Clear();
            foreach (var flushed in flushes)
            {
                Interlocked.Decrement(ref flushesWaiting);
                flushed.TrySetResult();
            }

            flushes.Clear();
        }
    }

    private async ValueTask<bool> TryWriteSlowAsync(AuditLog.Entry entry, CancellationToken ct)
    {
        try
        {
            await queue.Writer.WriteAsync(new Pending(entry, null), ct);
            return true;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
    }

    private async Task WriteWithRetriesAsync(List<AuditLog.Entry> batch, CancellationToken stoppingToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await WriteDirectAsync(batch, CancellationToken.None);
                return;
            }
            catch (Exception e) when (e is DbException or TimeoutException or InvalidOperationException)
            {
                if (stoppingToken.IsCancellationRequested && attempt >= 3)
                {
                    LogLost(logger, batch.Count, e.GetType().Name);
                    return;
                }

                LogRetrying(logger, batch.Count, e.GetType().Name);
                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            }
        }
    }

    private async Task WriteDirectAsync(IReadOnlyList<AuditLog.Entry> entries, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        using (await db.WriteTurnAsync(WritePriority.Background, ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            foreach (var entry in entries)
            {
                await AuditLog.InsertAsync(connection, tx, entry, ct);
            }

            await tx.CommitAsync(ct);
        }
    }

    private sealed record Pending(AuditLog.Entry? Entry, TaskCompletionSource? Flushed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write {Count} lookup audit entr(ies) ({ErrorType}); retrying")]
    private static partial void LogRetrying(ILogger logger, int count, string errorType);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} lookup audit entr(ies) could not be written before the service stopped ({ErrorType})")]
    private static partial void LogLost(ILogger logger, int count, string errorType);
}
