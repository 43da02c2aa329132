using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;

namespace Orders.Sandbox.Avangate;

// Delivers queued IPNs and LCNs like 2Checkout: POST the stored form bytes; the delivery counts only
// when the answer is a 200 whose body carries a valid read receipt for this notification
// (PROVIDERS.md 2.3, 2.6). Anything else is retried on the configured schedule. Each delivery runs
// on its own, so a slow or dead target never holds up other notifications.
internal sealed class AvangateNotificationDelivery(
    AvangateNotificationOutbox outbox,
    AvangateSandboxUrls urls,
    IHttpClientFactory httpClients,
    IOptions<AvangateSandboxOptions> options,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<AvangateNotificationDelivery> logger) : BackgroundService
{
    private const int MaxConcurrentSends = 16;

    // A read receipt is a few dozen bytes; no need to read a large page to find it.
    private const int MaxResponseBytes = 64 * 1024;

    private readonly SemaphoreSlim sendSlots = new(MaxConcurrentSends, MaxConcurrentSends);
    private readonly ConcurrentDictionary<AvangatePendingDelivery, Task> running = new(ReferenceEqualityComparer.Instance);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var announce = lifetime.ApplicationStarted.Register(
            () => logger.SandboxReady(urls.BuyLinkBase, urls.IpnTarget ?? "(no http address known yet)", urls.LcnTarget ?? "(no http address known yet)"));
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

    private async Task DeliverAsync(AvangatePendingDelivery pending, CancellationToken stoppingToken)
    {
        var record = pending.Record;
        var notification = record.Notification;
        var settings = options.Value;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                if (await SendAsync(record, stoppingToken))
                {
                    return;
                }
                if (attempt >= settings.MaxDeliveryAttempts)
                {
                    record.GiveUp();
                    logger.DeliveryGaveUp(notification.Kind, notification.Id, attempt);
                    return;
                }
                var delays = settings.RetryDelaysSeconds;
                var delay = TimeSpan.FromSeconds(delays[Math.Min(attempt - 1, delays.Length - 1)]);
                record.ScheduleRetry(time.GetUtcNow() + delay);
                logger.DeliveryRetryScheduled(notification.Kind, notification.Id, attempt, delay.TotalSeconds);
                // Real time, not the injected TimeProvider: a frozen test clock must not freeze deliveries.
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
            logger.DeliveryCrashed(e, notification.Kind, notification.Id);
        }
        finally
        {
            running.TryRemove(pending, out _);
        }
    }

    private async Task<bool> SendAsync(AvangateDeliveryRecord record, CancellationToken stoppingToken)
    {
        var notification = record.Notification;
        await sendSlots.WaitAsync(stoppingToken);
        try
        {
            var target = urls.Target(notification.Kind);
            if (target is null)
            {
                record.StartAttempt(null, time.GetUtcNow());
                var setting = notification.Kind == AvangateNotificationKinds.Lcn ? "LcnUrl" : "IpnUrl";
                record.Fail(null, $"no target: set Sandbox:Avangate:{setting}");
                logger.DeliveryNoTarget(notification.Kind, notification.Id);
                return false;
            }
            var attempt = record.StartAttempt(target, time.GetUtcNow());

            using var request = new HttpRequestMessage(HttpMethod.Post, target);
            request.Content = new ByteArrayContent(notification.Body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
            request.Headers.UserAgent.ParseAdd("2Checkout-IPN/Orders.Sandbox");

            try
            {
                var client = httpClients.CreateClient(AvangateSandboxExtensions.NotificationHttpClientName);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stoppingToken);
                var status = (int)response.StatusCode;
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    record.Fail(status, "not HTTP 200");
                    logger.DeliveryRejected(notification.Kind, notification.Id, record.Copy, attempt, status);
                    return false;
                }
                var body = await ReadLimitedAsync(response, stoppingToken);
                var receipt = AvangateReadReceipt.Check(body, notification.ReceiptSource, options.Value.SecretKey);
                if (receipt == ReceiptCheck.Valid)
                {
                    record.Succeed(status, time.GetUtcNow());
                    logger.DeliverySucceeded(notification.Kind, notification.Id, record.Copy, attempt, status);
                    return true;
                }
                var problem = receipt == ReceiptCheck.Missing ? "no read receipt in the response" : "read receipt hash does not match";
                record.Fail(status, problem);
                logger.DeliveryReceiptRejected(notification.Kind, notification.Id, record.Copy, attempt, problem);
                return false;
            }
            catch (HttpRequestException e)
            {
                record.Fail(null, $"connection failed ({e.HttpRequestError})");
                logger.DeliveryUnreachable(notification.Kind, notification.Id, attempt, e.HttpRequestError.ToString());
                return false;
            }
            catch (TaskCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                record.Fail(null, "timed out");
                logger.DeliveryUnreachable(notification.Kind, notification.Id, attempt, "timed out");
                return false;
            }
        }
        finally
        {
            sendSlots.Release();
        }
    }

    private static async Task<string> ReadLimitedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxResponseBytes];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }
        return Encoding.UTF8.GetString(buffer, 0, length);
    }
}
