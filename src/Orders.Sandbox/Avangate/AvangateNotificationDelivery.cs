using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Orders.Sandbox.Webhooks;

namespace Orders.Sandbox.Avangate;

// Delivers queued IPNs and LCNs like 2Checkout: POST the stored form bytes; the delivery counts only
// when the answer is a 200 whose body carries a valid read receipt for this notification
// (PROVIDERS.md 2.3, 2.6). Anything else is retried on the configured schedule.
internal sealed class AvangateNotificationDelivery(
    AvangateNotificationOutbox outbox,
    AvangateSandboxUrls urls,
    IHttpClientFactory httpClients,
    IOptions<AvangateSandboxOptions> options,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<AvangateNotificationDelivery> logger) : DeliveryService<AvangatePendingDelivery>(time, lifetime, logger)
{
    // A read receipt is a few dozen bytes; no need to read a large page to find it.
    private const int MaxResponseBytes = 64 * 1024;

    protected override ChannelReader<AvangatePendingDelivery> Queue => outbox.Reader;

    protected override DeliverySchedule Schedule => options.Value.Schedule();

    protected override DeliveryRecord RecordOf(AvangatePendingDelivery pending) => pending.Record;

    protected override void AnnounceReady() =>
        logger.SandboxReady(urls.BuyLinkBase, urls.IpnTarget ?? "(no http address known yet)", urls.LcnTarget ?? "(no http address known yet)");

    protected override async Task<bool> AttemptAsync(AvangatePendingDelivery pending, CancellationToken stoppingToken)
    {
        var record = pending.Record;
        var notification = record.Notification;
        var target = urls.Target(notification.Kind);
        if (target is null)
        {
            record.StartAttempt(null, Time.GetUtcNow());
            var setting = notification.Kind == AvangateNotificationKinds.Lcn ? "LcnUrl" : "IpnUrl";
            record.Fail(null, $"no target: set Sandbox:Avangate:{setting}");
            logger.DeliveryNoTarget(notification.Kind, notification.Id);
            return false;
        }

        var attempt = record.StartAttempt(target, Time.GetUtcNow());
        using var request = new HttpRequestMessage(HttpMethod.Post, target);
        request.Content = new ByteArrayContent(notification.Body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        request.Headers.UserAgent.ParseAdd("2Checkout-IPN/Orders.Sandbox");

        using var response = await PostAsync(httpClients.CreateClient(AvangateSandboxExtensions.NotificationHttpClientName), request, record, attempt, stoppingToken);
        if (response is null)
        {
            return false;
        }

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
            record.Succeed(status, Time.GetUtcNow());
            logger.DeliverySucceeded(notification.Kind, notification.Id, record.Copy, attempt, status);
            return true;
        }

        var problem = receipt == ReceiptCheck.Missing ? "no read receipt in the response" : "read receipt hash does not match";
        record.Fail(status, problem);
        logger.DeliveryReceiptRejected(notification.Kind, notification.Id, record.Copy, attempt, problem);
        return false;
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
