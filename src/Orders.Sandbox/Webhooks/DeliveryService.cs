using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Orders.Sandbox.Webhooks;

internal sealed record DeliverySchedule(int MaxAttempts, int[] RetryDelaysSeconds)
{
    public TimeSpan DelayAfter(int attempt) => TimeSpan.FromSeconds(RetryDelaysSeconds[Math.Min(attempt - 1, RetryDelaysSeconds.Length - 1)]);
}

// Delivers what a provider stand-in queued the way the providers do: each delivery on its own (a
// slow or dead target never holds up the others, at most 16 requests in flight), an attempt that
// does not count is retried on the provider's schedule until it is given up. What an attempt is
// (how it is signed, what answer counts) is the provider's.
internal abstract partial class DeliveryService<TPending>(TimeProvider time, IHostApplicationLifetime lifetime, ILogger logger) : BackgroundService
    where TPending : class
{
    private const int MaxConcurrentSends = 16;

    private readonly SemaphoreSlim sendSlots = new(MaxConcurrentSends, MaxConcurrentSends);
    private readonly ConcurrentDictionary<TPending, Task> running = new(ReferenceEqualityComparer.Instance);

    protected TimeProvider Time => time;

    protected abstract ChannelReader<TPending> Queue { get; }

    protected abstract DeliverySchedule Schedule { get; }

    protected abstract DeliveryRecord RecordOf(TPending pending);

    protected virtual int DelayMillisecondsOf(TPending pending) => 0;

    // Logged once the host has started, when the listening address is known.
    protected abstract void AnnounceReady();

    // One attempt: sign, send, and record the outcome on the record. True when it counts as delivered.
    protected abstract Task<bool> AttemptAsync(TPending pending, CancellationToken stoppingToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var announce = lifetime.ApplicationStarted.Register(AnnounceReady);
        try
        {
            await foreach (var pending in Queue.ReadAllAsync(stoppingToken))
            {
                var delivery = DeliverAsync(pending, stoppingToken);
                running[pending] = delivery;
                if (delivery.IsCompleted)
                {
                    running.TryRemove(pending, out _);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the running deliveries observe the same token.
        }
        await Task.WhenAll(running.Values);
    }

    public override void Dispose()
    {
        sendSlots.Dispose();
        base.Dispose();
    }

    // Sends the request; a connection failure or a timeout is recorded as the attempt's failure
    // (null). The caller judges the answer.
    protected async Task<HttpResponseMessage?> PostAsync(HttpClient client, HttpRequestMessage request, DeliveryRecord record, int attempt, CancellationToken stoppingToken)
    {
        try
        {
            return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stoppingToken);
        }
        catch (HttpRequestException e)
        {
            record.Fail(null, $"connection failed ({e.HttpRequestError})");
            LogUnreachable(logger, record.Describe(), record.Copy, attempt, e.HttpRequestError.ToString());
            return null;
        }
        catch (TaskCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            record.Fail(null, "timed out");
            LogUnreachable(logger, record.Describe(), record.Copy, attempt, "timed out");
            return null;
        }
    }

    private async Task DeliverAsync(TPending pending, CancellationToken stoppingToken)
    {
        var record = RecordOf(pending);
        var schedule = Schedule;
        try
        {
            // Real time, not the injected TimeProvider: a frozen test clock must not freeze deliveries.
            if (DelayMillisecondsOf(pending) is > 0 and var delayMilliseconds)
            {
                await Task.Delay(delayMilliseconds, stoppingToken);
            }

            for (var attempt = 1; ; attempt++)
            {
                if (await AttemptInSlotAsync(pending, stoppingToken))
                {
                    return;
                }

                if (attempt >= schedule.MaxAttempts)
                {
                    record.GiveUp();
                    LogGaveUp(logger, record.Describe(), record.Copy, attempt);
                    return;
                }

                var delay = schedule.DelayAfter(attempt);
                record.ScheduleRetry(time.GetUtcNow() + delay);
                LogRetryScheduled(logger, record.Describe(), record.Copy, attempt, delay.TotalSeconds);
                await Task.Delay(delay, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            record.Stop();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug in the sandbox, not the target's fault: make it visible, keep the other deliveries going.
            record.Fail(null, e.GetType().Name);
            record.GiveUp();
            LogCrashed(logger, e, record.Describe(), record.Copy);
        }
        finally
        {
            running.TryRemove(pending, out _);
        }
    }

    private async Task<bool> AttemptInSlotAsync(TPending pending, CancellationToken stoppingToken)
    {
        await sendSlots.WaitAsync(stoppingToken);
        try
        {
            return await AttemptAsync(pending, stoppingToken);
        }
        finally
        {
            sendSlots.Release();
        }
    }

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Sandbox delivery {Delivery} copy {Copy} attempt {Attempt} failed: {Error}")]
    private static partial void LogUnreachable(ILogger logger, string delivery, int copy, int attempt, string error);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "Sandbox delivery {Delivery} copy {Copy} attempt {Attempt} failed; next attempt in {DelaySeconds} s")]
    private static partial void LogRetryScheduled(ILogger logger, string delivery, int copy, int attempt, double delaySeconds);

    [LoggerMessage(EventId = 303, Level = LogLevel.Error, Message = "Sandbox delivery {Delivery} copy {Copy} given up after {Attempts} attempts")]
    private static partial void LogGaveUp(ILogger logger, string delivery, int copy, int attempts);

    [LoggerMessage(EventId = 304, Level = LogLevel.Error, Message = "Sandbox delivery {Delivery} copy {Copy} failed unexpectedly")]
    private static partial void LogCrashed(ILogger logger, Exception exception, string delivery, int copy);
}
