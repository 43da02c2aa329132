using System.Globalization;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Orders.Sandbox.Webhooks;

namespace Orders.Sandbox.Stripe;

// Delivers queued events like Stripe: POST the stored bytes with a Stripe-Signature made for this
// attempt (a fresh timestamp each time; during a secret roll, signed with both secrets); anything
// but a 2xx (or no answer within the client's 10 s) is retried on the configured schedule.
internal sealed class StripeWebhookDelivery(
    StripeWebhookOutbox outbox,
    StripeSandboxUrls urls,
    IHttpClientFactory httpClients,
    IOptions<StripeSandboxOptions> options,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<StripeWebhookDelivery> logger) : DeliveryService<StripePendingDelivery>(time, lifetime, logger)
{
    protected override ChannelReader<StripePendingDelivery> Queue => outbox.Reader;

    protected override DeliverySchedule Schedule => options.Value.Schedule();

    protected override DeliveryRecord RecordOf(StripePendingDelivery pending) => pending.Record;

    protected override int DelayMillisecondsOf(StripePendingDelivery pending) => pending.DelayMilliseconds;

    protected override void AnnounceReady() => logger.SandboxReady(urls.ApiBase, urls.WebhookTarget ?? "(no http address known yet)");

    protected override async Task<bool> AttemptAsync(StripePendingDelivery pending, CancellationToken stoppingToken)
    {
        var record = pending.Record;
        var target = urls.WebhookTarget;
        if (target is null)
        {
            record.StartAttempt(null, Time.GetUtcNow());
            record.Fail(null, "no webhook target: set Sandbox:Stripe:WebhookUrl");
            logger.DeliveryNoTarget(record.EventType, record.EventId);
            return false;
        }

        var settings = options.Value;
        var timestamp = StripeJson.Unix(Time.GetUtcNow());
        string[] secrets = settings.PreviousWebhookSecret is { Length: > 0 } previous ? [settings.WebhookSecret, previous] : [settings.WebhookSecret];
        var attempt = record.StartAttempt(target, Time.GetUtcNow(), timestamp.ToString(CultureInfo.InvariantCulture));

        using var request = new HttpRequestMessage(HttpMethod.Post, target);
        request.Content = new ByteArrayContent(pending.Body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(StripeWebhookSigner.HeaderName, StripeWebhookSigner.Header(pending.Body, timestamp, secrets));
        request.Headers.TryAddWithoutValidation("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)");
        request.Headers.Accept.ParseAdd("*/*; q=0.5, application/xml");

        using var response = await PostAsync(httpClients.CreateClient(StripeSandboxExtensions.WebhookHttpClientName), request, record, attempt, stoppingToken);
        if (response is null)
        {
            return false;
        }

        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            record.Succeed(status, Time.GetUtcNow());
            logger.DeliverySucceeded(record.EventType, record.EventId, record.Copy, attempt, status);
            return true;
        }

        record.Fail(status, null);
        logger.DeliveryRejected(record.EventType, record.EventId, attempt, status);
        return false;
    }
}
