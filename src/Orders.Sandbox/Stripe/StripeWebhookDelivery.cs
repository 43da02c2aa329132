using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace Orders.Sandbox.Stripe;

// Delivers queued events like Stripe: POST the stored bytes with a Stripe-Signature made for this
// attempt (a fresh timestamp each time); anything but a 2xx (or no answer within the client's 10 s)
// is retried on the configured schedule. Each delivery runs on its own, so a slow or dead target
// never holds up other events.
internal sealed class StripeWebhookDelivery(
    StripeWebhookOutbox outbox,
    StripeSandboxUrls urls,
    IHttpClientFactory httpClients,
    IOptions<StripeSandboxOptions> options,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<StripeWebhookDelivery> logger) : BackgroundService
{
    private const int MaxConcurrentSends = 16;

    private readonly SemaphoreSlim sendSlots = new(MaxConcurrentSends, MaxConcurrentSends);
    private readonly ConcurrentDictionary<StripePendingDelivery, Task> running = new(ReferenceEqualityComparer.Instance);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var announce = lifetime.ApplicationStarted.Register(
            () => logger.SandboxReady(urls.ApiBase, urls.WebhookTarget ?? "(no http address known yet)"));
        try
        {
            await foreach (var pending in outbox.Reader.ReadAllAsync(stoppingToken))
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

    private async Task DeliverAsync(StripePendingDelivery pending, CancellationToken stoppingToken)
    {
        var record = pending.Record;
        var settings = options.Value;
        try
        {
            // Real time, not the injected TimeProvider: a frozen test clock must not freeze deliveries.
            if (pending.DelayMilliseconds > 0)
            {
                await Task.Delay(pending.DelayMilliseconds, stoppingToken);
            }
            for (var attempt = 1; ; attempt++)
            {
                if (await SendAsync(pending, stoppingToken))
                {
                    return;
                }
                if (attempt >= settings.MaxDeliveryAttempts)
                {
                    record.GiveUp();
                    logger.DeliveryGaveUp(record.EventType, record.EventId, attempt);
                    return;
                }
                var delays = settings.RetryDelaysSeconds;
                var delay = TimeSpan.FromSeconds(delays[Math.Min(attempt - 1, delays.Length - 1)]);
                record.ScheduleRetry(time.GetUtcNow() + delay);
                logger.DeliveryRetryScheduled(record.EventType, record.EventId, attempt, delay.TotalSeconds);
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
            logger.DeliveryCrashed(e, record.EventType, record.EventId);
        }
        finally
        {
            running.TryRemove(pending, out _);
        }
    }

    private async Task<bool> SendAsync(StripePendingDelivery pending, CancellationToken stoppingToken)
    {
        var record = pending.Record;
        await sendSlots.WaitAsync(stoppingToken);
        try
        {
            var target = urls.WebhookTarget;
            if (target is null)
            {
                record.StartAttempt(null, null, time.GetUtcNow());
                record.Fail(null, "no webhook target: set Sandbox:Stripe:WebhookUrl");
                logger.DeliveryNoTarget(record.EventType, record.EventId);
                return false;
            }
            var settings = options.Value;
            var timestamp = StripeJson.Unix(time.GetUtcNow());
            string[] secrets = settings.PreviousWebhookSecret is { Length: > 0 } previous ? [settings.WebhookSecret, previous] : [settings.WebhookSecret];
            var attempt = record.StartAttempt(target, timestamp, time.GetUtcNow());

            using var request = new HttpRequestMessage(HttpMethod.Post, target);
            request.Content = new ByteArrayContent(pending.Body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.TryAddWithoutValidation(StripeWebhookSigner.HeaderName, StripeWebhookSigner.Header(pending.Body, timestamp, secrets));
            request.Headers.TryAddWithoutValidation("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)");
            request.Headers.Accept.ParseAdd("*/*; q=0.5, application/xml");

            try
            {
                var client = httpClients.CreateClient(StripeSandboxExtensions.WebhookHttpClientName);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stoppingToken);
                var status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    record.Succeed(status, time.GetUtcNow());
                    logger.DeliverySucceeded(record.EventType, record.EventId, record.Copy, attempt, status);
                    return true;
                }
                record.Fail(status, null);
                logger.DeliveryRejected(record.EventType, record.EventId, attempt, status);
                return false;
            }
            catch (HttpRequestException e)
            {
                record.Fail(null, $"connection failed ({e.HttpRequestError})");
                logger.DeliveryUnreachable(record.EventType, record.EventId, attempt, e.HttpRequestError.ToString());
                return false;
            }
            catch (TaskCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                record.Fail(null, "timed out");
                logger.DeliveryUnreachable(record.EventType, record.EventId, attempt, "timed out");
                return false;
            }
        }
        finally
        {
            sendSlots.Release();
        }
    }
}
