using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Orders.Api.Hosting;
using Orders.Api.Payments;
using Orders.Api.Payments.Stripe;
using Stripe;

namespace Orders.Api.PaymentEvents.Receiving;

// Stripe's webhooks: the Stripe-Signature over the raw body, checked with Stripe.net, then the API
// version; a charge.refunded becomes the refunds Stripe's API lists for the charge.
//
// API versions: Stripe renders an event in the API version of the webhook endpoint, and Stripe.net
// 53.1.0 reads version 2026-10-28.endive (StripeConfiguration.ApiVersion). An event of the same
// release train ("endive") is read; any other is answered 400 and not stored, as Stripe.net itself
// does by default, because its objects may be read wrongly and a misread amount must not issue a
// license. Stripe keeps retrying refused deliveries, the API calls this service makes are pinned to
// the SDK's version, and pending orders are still settled by reconciliation (QueryAsync). Create the
// webhook endpoint with the SDK's API version, and move it with the SDK.
internal sealed class StripeWebhook(StripeSettings settings, StripeProvider stripe, TimeProvider time) : IWebhookVerifier<Ok<WebhookAck>>
{
    public const string SignatureHeader = "Stripe-Signature";

    // Stripe.net's default (EventUtility.DefaultTimeTolerance): older or newer signatures are refused.
    public const long ToleranceSeconds = 300;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public string Provider => StripeEvents.ProviderName;

    public static IEndpointRouteBuilder MapStripeWebhooks(IEndpointRouteBuilder app)
    {
        app.MapWebhookGroup("/webhooks").MapPost("/stripe", Receive)
            .WithName("ReceiveStripeWebhook")
            .WithSummary("Receive a Stripe webhook event")
            .WithDescription("Verified with the Stripe-Signature header over the raw body (5 minutes' tolerance), then stored; 200 "
                + "means stored, will be processed. Events of another API release train than Stripe.net's are a 400 and not stored.")
            .Accepts<JsonElement>("application/json");
        return app;
    }

    internal static Task<Results<Ok<WebhookAck>, ProblemHttpResult>> Receive(
        HttpRequest request, StripeWebhook verifier, PaymentEventStore store, OrdersMetrics metrics, ILoggerFactory loggers, CancellationToken ct) =>
        WebhookReceiver.ReceiveAsync(request, verifier, store, metrics, loggers.CreateLogger("Orders.Webhooks.Stripe"), ct);

    public async Task<WebhookReading<Ok<WebhookAck>>> ReadAsync(HttpRequest request, byte[] body, CancellationToken ct)
    {
        var signature = request.Headers[SignatureHeader].ToString();
        if (signature.Length == 0)
        {
            return Refuse(new(StatusCodes.Status400BadRequest, "malformed", "Malformed webhook", "The Stripe-Signature header is missing."));
        }

        string json;
        try
        {
            json = StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return Refuse(new(StatusCodes.Status400BadRequest, "malformed", "Malformed webhook", "The body is not UTF-8."));
        }

        Event stripeEvent;
        try
        {
            // The API version is checked below, where a mismatch can be told apart from a forgery.
            stripeEvent = EventUtility.ConstructEvent(json, signature, settings.WebhookSecret, ToleranceSeconds,
                time.GetUtcNow().ToUnixTimeSeconds(), throwOnApiVersionMismatch: false);
        }
        catch (StripeException)
        {
            // No v1 signature matches the body under our secret, the timestamp is outside the
            // tolerance, or the header is not Stripe's format. The reason is Stripe.net's text: not branched on.
            return Refuse(new(StatusCodes.Status401Unauthorized, "forged", "Webhook signature rejected",
                "The Stripe-Signature does not match the body and the endpoint's secret within the time tolerance."));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            return Refuse(new(StatusCodes.Status400BadRequest, "unparseable", "Unreadable event", "The body is not a Stripe event."));
        }

        if (stripeEvent.ApiVersion is not { Length: > 0 } apiVersion || !EventUtility.IsCompatibleApiVersion(apiVersion))
        {
            // An error, not a warning: every event is refused until the endpoint's version is changed.
            return Refuse(new(StatusCodes.Status400BadRequest, "api-version", "Unsupported API version",
                $"The event is rendered in API version {stripeEvent.ApiVersion ?? "(none)"}; this service reads {StripeConfiguration.ApiVersion}. Set the webhook endpoint's API version to {StripeConfiguration.ApiVersion}.",
                Level: LogLevel.Error));
        }

        try
        {
            IReadOnlyList<PaymentEvent> events = stripeEvent.Type == EventTypes.ChargeRefunded
                ? await RefundEventsAsync(stripeEvent, ct)
                : [StripeEvents.FromEvent(stripeEvent)];
            return new(null, events, WebhookAck.For);
        }
        catch (StripeEventException e)
        {
            return Refuse(new(StatusCodes.Status400BadRequest, "unparseable", "Unreadable event", e.Message));
        }
        catch (PaymentProviderException e)
        {
            // The refunds could not be read: not stored, so Stripe delivers the event again.
            return Refuse(new(StatusCodes.Status503ServiceUnavailable, "refunds-unavailable", "Cannot read the refunds now",
                "Stripe's refunds for this charge could not be read; please retry.", $"event {stripeEvent.Id}: {e.Message}"));
        }
    }

    // charge.refunded says how much of the charge is refunded so far, not which refund happened.
    private async Task<IReadOnlyList<PaymentEvent>> RefundEventsAsync(Event stripeEvent, CancellationToken ct)
    {
        var charge = StripeEvents.Charge(stripeEvent);
        var refunds = charge.AmountRefunded > 0 ? await stripe.RefundsOfChargeAsync(charge, stripeEvent.Type, ct) : [];
        if (refunds.Count > 0)
        {
            return refunds;
        }

        if (charge.AmountRefunded > 0)
        {
            throw new PaymentProviderException(StripeEvents.ProviderName, unavailable: true, "The charge reports refunds that Stripe does not list yet.");
        }

        // Nothing refunded after all (a refund that failed): recorded, changes nothing.
        return [StripeEvents.FromEvent(stripeEvent)];
    }

    private static WebhookReading<Ok<WebhookAck>> Refuse(WebhookRefusal refusal) => WebhookReading<Ok<WebhookAck>>.Refuse(refusal);
}
