using System.Data.Common;
using Dapper;
using Orders.Api.Data;

namespace Orders.Api.Mail;

// What a sender owes the database about the e-mails it claimed: sent, canceled, a failed attempt
// (back to pending, retried later), or claimed but not attempted (released). Written at once; when
// storage refuses the write (a full disk, a read-only file), the outcome is kept here in memory and
// written again with a short backoff, so within seconds of storage coming back a sent e-mail is
// recorded as sent (never sent again) and a failed one is released to its retry, instead of both
// waiting for their claim to be released. While an outcome is kept, this process does not claim its
// e-mail again (SendDeliveryJob). What is still kept at shutdown is lost with the process, as after
// a crash: the instance's claims are released (InstanceHeartbeat) and the e-mails sent again.
internal sealed partial class DeliveryOutcomes(Db db, ILogger<DeliveryOutcomes> logger) : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(2);

    private readonly Lock gate = new();
    private readonly List<DeliveryOutcome> kept = [];
    private readonly HashSet<long> held = [];
    private readonly SemaphoreSlim waiting = new(0, 1);

    // Set when the last attempt at shutdown begins: the job server stops after this service, so a
    // job finishing later can still hand over an outcome that nothing will retry.
    private volatile bool stopped;

    // Whether this e-mail's last outcome is still waiting to be written.
    public bool Holds(long deliveryId)
    {
        lock (gate)
        {
            return held.Contains(deliveryId);
        }
    }

    internal int Kept
    {
        get
        {
            lock (gate)
            {
                return kept.Count;
            }
        }
    }

    // Never throws for storage trouble: the outcome is then kept and written later.
    public async Task RecordAsync(DeliveryOutcome outcome)
    {
        var (error, rows) = await TryWriteAsync(outcome);
        if (error is null)
        {
            outcome.Then?.Invoke(rows);
            return;
        }

        lock (gate)
        {
            kept.Add(outcome);
            held.UnionWith(outcome.DeliveryIds);
        }

        LogKept(logger, outcome.DeliveryIds.Length, error);
        if (stopped)
        {
            LogLeftClaimed(logger, outcome.DeliveryIds.Length);
            return;
        }

        if (waiting.CurrentCount == 0)
        {
            try
            {
                waiting.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already woken.
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await waiting.WaitAsync(stoppingToken);
                // The real clock on purpose: this paces storage retries, not business time.
                var wait = FirstRetry;
                while (Kept > 0)
                {
                    await Task.Delay(wait, stoppingToken);
                    wait = await WriteKeptAsync() ? FirstRetry : TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LongestRetry.Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync makes the last attempt.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        stopped = true;
        await WriteKeptAsync();
        if (Kept is > 0 and var left)
        {
            LogLeftClaimed(logger, left);
        }
    }

    // Oldest first, stopping at the first that storage still refuses; true if all were written.
    private async Task<bool> WriteKeptAsync()
    {
        while (true)
        {
            DeliveryOutcome next;
            lock (gate)
            {
                if (kept.Count == 0)
                {
                    return true;
                }

                next = kept[0];
            }

            var (error, rows) = await TryWriteAsync(next);
            if (error is not null)
            {
                return false;
            }

            lock (gate)
            {
                kept.RemoveAt(0);
                held.ExceptWith(next.DeliveryIds);
            }

            LogRecordedLate(logger, next.DeliveryIds.Length);
            try
            {
                next.Then?.Invoke(rows);
            }
            catch (Exception e)
            {
                // The job queue refused the follow-up (on SQL Server it lives in the same database).
                // The row is recorded, so the recovery sweep finds it; this loop must not die.
                LogFollowUpFailed(logger, next.DeliveryIds.Length, e.GetType().Name);
            }
        }
    }

    // Error null once written (with the rows it changed); otherwise the error's type.
    private async Task<(string? Error, int Rows)> TryWriteAsync(DeliveryOutcome outcome)
    {
        try
        {
            await using var connection = await db.OpenAsync(CancellationToken.None);
            using (await db.WriteTurnAsync(WritePriority.Background, CancellationToken.None))
            {
                return (null, await connection.ExecuteAsync(new CommandDefinition(outcome.Sql, outcome.Parameters, cancellationToken: CancellationToken.None)));
            }
        }
        catch (Exception e) when (e is DbException or TimeoutException or InvalidOperationException)
        {
            return (e.GetType().Name, 0);
        }
    }

    public override void Dispose()
    {
        waiting.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage refused the outcome of {Count} e-mail(s) ({ErrorType}); it is kept in memory and written as soon as storage takes it")]
    private static partial void LogKept(ILogger logger, int count, string errorType);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recorded the outcome of {Count} e-mail(s) that storage had refused")]
    private static partial void LogRecordedLate(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recorded the outcome of {Count} e-mail(s) but could not queue what follows ({ErrorType}); the recovery sweep picks them up")]
    private static partial void LogFollowUpFailed(ILogger logger, int count, string errorType);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stopping with the outcome of {Count} e-mail(s) not recorded; their claims are released and any of them already sent goes out again")]
    private static partial void LogLeftClaimed(ILogger logger, int count);
}

// One write about claimed e-mails: a statement of SendDeliveryJob's, its parameters, the e-mails it
// is about, and what to do once it is written, given the rows it changed (schedule the retry, log
// the sent ones).
internal sealed record DeliveryOutcome(string Sql, object Parameters, long[] DeliveryIds, Action<int>? Then = null);
