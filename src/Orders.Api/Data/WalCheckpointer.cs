using System.Data.Common;

namespace Orders.Api.Data;

// Copies SQLite's write-ahead log back into the database file in the background, instead of in
// the commit that happens to cross SQLite's threshold (wal_autocheckpoint, 1,000 pages by default).
// That commit used to copy every page the log held and wait for the database file's fsync while
// everyone in its group commit waited with it: under a webhook backlog about one commit in sixteen
// paid for the copy, which was both lost throughput and the slow tail.
//
// After writes, this loop lets them gather for a moment (a page changed by many commits is copied
// once), then runs a PASSIVE checkpoint on its own connection, which copies and syncs while
// writers go on appending to the log. A log that never stops growing is never reset, though, and
// it would grow without end under a steady stream of writes; so when writers appended during the
// pass, a second, short pass copies just those frames while holding the write turn, during which
// nobody in this process appends. The next write then starts the log again from its beginning.
// Readers still keep their snapshots: a frame a reader may need is left for a later pass, as with
// SQLite's own checkpoints.
//
// Commits still checkpoint themselves if the log reaches CommitPathCheckpointPages (this loop
// stopped, or kept behind by a long reader), so the log stays bounded either way. SQL Server
// has no such log to manage: the loop does nothing there.
internal sealed partial class WalCheckpointer(Db db, ILogger<WalCheckpointer> logger) : BackgroundService
{
    // ≈ 40 MB with SQLite's 4 KiB pages.
    internal const int CommitPathCheckpointPages = 10_000;

    // How long writes gather before a pass: at 10,000 webhooks a second that is a few thousand
    // pages, so the copy is worth its two fsyncs; a lone write is in the file a moment later.
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (db.Provider != DatabaseProvider.Sqlite)
        {
            return;
        }

        try
        {
            while (await db.Writes.WaitToReadAsync(stoppingToken))
            {
                // The real clock on purpose: this is the storage engine's housekeeping, not
                // business time (tests run the service on a fake clock that does not move).
                await Task.Delay(Gather, stoppingToken);
                db.Writes.TryRead(out _);
                await CheckpointAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: SQLite checkpoints when the last connection to the file closes.
        }
    }

    private async Task CheckpointAsync(CancellationToken ct)
    {
        try
        {
            var pass = await PassAsync(ct);
            if (pass.Busy || pass.LogFrames <= pass.CopiedFrames)
            {
                // Busy: another checkpoint (a commit's, an erasure's) is running; it does the work.
                return;
            }

            using (await db.CheckpointTurnAsync(ct))
            {
                await PassAsync(ct);
            }
        }
        catch (DbException e)
        {
            // Nothing is lost: the frames stay in the log, and the next pass (or a commit) copies them.
            LogCheckpointFailed(logger, e.GetType().Name);
        }
    }

    private async Task<Pass> PassAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new Pass(reader.GetInt32(0) != 0, reader.GetInt64(1), reader.GetInt64(2))
            : new Pass(Busy: false, 0, 0);
    }

    // SQLite's answer: whether another checkpoint held the log, the frames in the log and how many
    // of them are now in the database file (both -1 when the file is not in WAL mode).
    private readonly record struct Pass(bool Busy, long LogFrames, long CopiedFrames);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Background WAL checkpoint failed ({ErrorType}); the next one catches up")]
    private static partial void LogCheckpointFailed(ILogger logger, string errorType);
}
