using System.Net.Http.Headers;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Orders.Sandbox.Webhooks;

namespace Orders.Sandbox.PayPal;

// Delivers queued events like PayPal: POST the stored bytes with freshly signed headers (a new
// transmission id each attempt); anything but a 2xx (or no answer within the client's 10 s) is
// retried on the configured schedule.
internal sealed class WebhookDelivery(
    WebhookOutbox outbox,
    PayPalWebhookSigner signer,
    PayPalSandboxUrls urls,
    IHttpClientFactory httpClients,
    IOptions<PayPalSandboxOptions> options,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<WebhookDelivery> logger) : DeliveryService<PendingDelivery>(time, lifetime, logger)
{
    protected override ChannelReader<PendingDelivery> Queue => outbox.Reader;

    protected override DeliverySchedule Schedule => options.Value.Schedule();

    protected override DeliveryRecord RecordOf(PendingDelivery pending) => pending.Record;

    protected override int DelayMillisecondsOf(PendingDelivery pending) => pending.DelayMilliseconds;

    protected override void AnnounceReady() => logger.SandboxReady(urls.ApiBase, urls.WebhookTarget ?? "(no http address known yet)");

    protected override async Task<bool> AttemptAsync(PendingDelivery pending, CancellationToken stoppingToken)
    {
        var record = pending.Record;
        var target = urls.WebhookTarget;
        if (target is null)
        {
            record.StartAttempt(null, Time.GetUtcNow());
            record.Fail(null, "no webhook target: set Sandbox:PayPal:WebhookUrl");
            logger.DeliveryNoTarget(record.EventType, record.EventId);
            return false;
        }

        var headers = signer.Sign(pending.Body, options.Value.WebhookId);
        var transmissionId = headers["PAYPAL-TRANSMISSION-ID"];
        var attempt = record.StartAttempt(target, Time.GetUtcNow(), transmissionId);

        using var request = new HttpRequestMessage(HttpMethod.Post, target);
        request.Content = new ByteArrayContent(pending.Body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        request.Headers.UserAgent.ParseAdd("PayPal/Orders.Sandbox");

        using var response = await PostAsync(httpClients.CreateClient(PayPalSandboxExtensions.WebhookHttpClientName), request, record, attempt, stoppingToken);
        if (response is null)
        {
            return false;
        }

        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            record.Succeed(status, Time.GetUtcNow());
            logger.DeliverySucceeded(record.EventType, record.EventId, record.Copy, attempt, transmissionId, status);
            return true;
        }

        record.Fail(status, null);
        logger.DeliveryRejected(record.EventType, record.EventId, attempt, transmissionId, status);
        return false;
    }
}
