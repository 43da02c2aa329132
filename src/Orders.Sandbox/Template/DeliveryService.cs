using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Orders.Sandbox.Template;

// Delivers what a stand-in queued the way the providers do: each delivery on its own (a slow or
// dead target never holds up the others, at most 16 requests in flight), freshly signed for each
// attempt; an attempt that does not count is retried on the configured schedule until given up.
// What an attempt is (how it is signed, what answer counts) is the provider's profile.
internal sealed class DeliveryService<TOptions>(
    Outbox<TOptions> outbox,
    SandboxProfile<TOptions> profile,
    IHttpClientFactory httpClients,
    IOptions<TOptions> options,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<DeliveryService<TOptions>> logger) : BackgroundService
    where TOptions : SandboxOptions
{
    private const int MaxConcurrentSends = 16;

    private readonly SemaphoreSlim sendSlots = new(MaxConcurrentSends, MaxConcurrentSends);
    private readonly ConcurrentDictionary<DeliveryRecord, Task> running = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Logged once the host has started, when the listening address is known.
        using var announce = lifetime.ApplicationStarted.Register(() => logger.SandboxReady(profile.Name, profile.Describe()));
        try
        {
            await foreach (var record in outbox.Reader.ReadAllAsync(stoppingToken))
            {
                var delivery = DeliverAsync(record, stoppingToken);
                running[record] = delivery;
                if (delivery.IsCompleted)
                {
                    running.TryRemove(record, out _);
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

    private async Task DeliverAsync(DeliveryRecord record, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        try
        {
            // Real time, not the injected TimeProvider: a frozen test clock must not freeze deliveries.
            if (record.DelayMilliseconds > 0)
            {
                await Task.Delay(record.DelayMilliseconds, stoppingToken);
            }
            for (var attempt = 1; ; attempt++)
            {
                await sendSlots.WaitAsync(stoppingToken);
                try
                {
                    if (await AttemptAsync(record, stoppingToken))
                    {
                        return;
                    }
                }
                finally
                {
                    sendSlots.Release();
                }
                if (attempt >= settings.MaxDeliveryAttempts)
                {
                    record.Update(p => p with { State = "failed" });
                    logger.DeliveryGaveUp(profile.Name, record.Describe(), record.Copy, attempt);
                    return;
                }
                var delays = settings.RetryDelaysSeconds;
                var delay = TimeSpan.FromSeconds(delays[Math.Min(attempt - 1, delays.Length - 1)]);
                record.Update(p => p with { State = "retry-scheduled", NextAttemptAt = time.GetUtcNow() + delay });
                logger.DeliveryRetryScheduled(profile.Name, record.Describe(), record.Copy, attempt, delay.TotalSeconds);
                await Task.Delay(delay, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            record.Update(p => p with { State = "stopped", NextAttemptAt = null });
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug in the sandbox, not the target's fault: make it visible, keep the other deliveries going.
            record.Update(p => p with { State = "failed", LastStatusCode = null, LastError = e.GetType().Name, NextAttemptAt = null });
            logger.DeliveryCrashed(e, profile.Name, record.Describe(), record.Copy);
        }
        finally
        {
            running.TryRemove(record, out _);
        }
    }

    // One attempt: sign, send, judge, record. True when it counts as delivered.
    private async Task<bool> AttemptAsync(DeliveryRecord record, CancellationToken stoppingToken)
    {
        var message = record.Message;
        var (target, setting) = profile.Target(message);
        using var request = new HttpRequestMessage(HttpMethod.Post, target);
        var mark = target is null ? null : profile.Shape(request, message);
        record.Update(p => p with { State = "sending", Attempts = p.Attempts + 1, Target = target, Mark = mark, LastAttemptAt = time.GetUtcNow(), NextAttemptAt = null });
        var attempt = record.Progress.Attempts;
        int? status = null;
        string? error;
        try
        {
            if (target is null)
            {
                error = $"no target: set {setting}";
            }
            else
            {
                using var response = await httpClients.CreateClient(profile.ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stoppingToken);
                status = (int)response.StatusCode;
                (var delivered, error) = await profile.JudgeAsync(response, message, stoppingToken);
                if (delivered)
                {
                    record.Update(p => p with { State = "delivered", LastStatusCode = status, LastError = null, DeliveredAt = time.GetUtcNow() });
                    logger.DeliverySucceeded(profile.Name, record.Describe(), record.Copy, attempt, status.Value);
                    return true;
                }
            }
        }
        catch (HttpRequestException e)
        {
            error = $"connection failed ({e.HttpRequestError})";
        }
        catch (TaskCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            error = "timed out";
        }
        record.Update(p => p with { LastStatusCode = status, LastError = error });
        logger.DeliveryFailed(profile.Name, record.Describe(), record.Copy, attempt, error ?? $"HTTP {status}");
        return false;
    }
}
