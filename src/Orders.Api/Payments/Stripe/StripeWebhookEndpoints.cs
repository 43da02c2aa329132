using System.Text;
using System.Text.Json;
using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Api.Hosting;
using Orders.Api.Webhooks;
using Stripe;

namespace Orders.Api.Payments.Stripe;

// Stripe's webhooks: verify the Stripe-Signature over the raw body with Stripe.net → check the API
// version → store the normalised events → 200. Nothing unverified is parsed or stored.
//
// API versions: Stripe renders an event in the API version of the webhook endpoint, and Stripe.net
// 53.1.0 reads version 2026-10-28.endive (StripeConfiguration.ApiVersion). An event of the same
// release train ("endive") is read; any other is answered 400 and not stored, as Stripe.net itself
// does by default, because its objects may be read wrongly and a misread amount must not issue a
// license. Stripe keeps retrying refused deliveries, the API calls this service makes are pinned to
// the SDK's version, and pending orders are still settled by reconciliation (QueryAsync). Create the
// webhook endpoint with the SDK's API version, and move it with the SDK.
internal static partial class StripeWebhookEndpoints
{
    public const string SignatureHeader = "Stripe-Signature";

    // Stripe.net's default (EventUtility.DefaultTimeTolerance): older or newer signatures are refused.
    public const long ToleranceSeconds = 300;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static IEndpointRouteBuilder MapStripeWebhooks(this IEndpointRouteBuilder app)
    {
        var group = app.MapWebhookGroup("/webhooks");
        group.MapPost("/stripe", Receive)
            .WithName("ReceiveStripeWebhook")
            .Accepts<JsonElement>("application/json");
        return app;
    }

    internal static async Task<Results<Ok<WebhookAck>, ProblemHttpResult>> Receive(
        HttpRequest request,
        StripeSettings settings,
        StripeProvider stripe,
        Inbox inbox,
        IBackgroundJobClient jobs,
        OrdersMetrics metrics,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        CancellationToken ct)
    {
        var logger = loggerFactory.CreateLogger("Orders.Webhooks.Stripe");
        var body = await WebhookEndpoints.ReadBodyAsync(request, ct);
        if (body is null)
        {
            metrics.WebhookRejected(StripeEvents.ProviderName, "too-large");
            return Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"Webhook bodies are limited to {WebhookEndpoints.MaxBodyBytes} bytes.");
        }

        var signature = request.Headers[SignatureHeader].ToString();
        if (signature.Length == 0)
        {
            return Rejected(logger, metrics, "malformed", StatusCodes.Status400BadRequest, "Malformed webhook", "The Stripe-Signature header is missing.");
        }

        string json;
        try
        {
            json = StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return Rejected(logger, metrics, "malformed", StatusCodes.Status400BadRequest, "Malformed webhook", "The body is not UTF-8.");
        }

        var secret = settings.WebhookSecret;
        Event stripeEvent;
        try
        {
            // The API version is checked below, where a mismatch can be told apart from a forgery.
            stripeEvent = EventUtility.ConstructEvent(json, signature, secret, ToleranceSeconds,
                time.GetUtcNow().ToUnixTimeSeconds(), throwOnApiVersionMismatch: false);
        }
        catch (StripeException)
        {
            // No v1 signature matches the body under our secret, the timestamp is outside the
            // tolerance, or the header is not Stripe's format. The reason is Stripe.net's text: not branched on.
            return Rejected(logger, metrics, "forged", StatusCodes.Status401Unauthorized, "Webhook signature rejected",
                "The Stripe-Signature does not match the body and the endpoint's secret within the time tolerance.");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            return Rejected(logger, metrics, "unparseable", StatusCodes.Status400BadRequest, "Unreadable event", "The body is not a Stripe event.");
        }

        if (stripeEvent.ApiVersion is not { Length: > 0 } apiVersion || !EventUtility.IsCompatibleApiVersion(apiVersion))
        {
            LogApiVersionMismatch(logger, stripeEvent.Id ?? "(none)", stripeEvent.ApiVersion ?? "(none)", StripeConfiguration.ApiVersion);
            metrics.WebhookRejected(StripeEvents.ProviderName, "api-version");
            return Problem(StatusCodes.Status400BadRequest, "Unsupported API version",
                $"The event is rendered in API version {stripeEvent.ApiVersion ?? "(none)"}; this service reads {StripeConfiguration.ApiVersion}. Set the webhook endpoint's API version to {StripeConfiguration.ApiVersion}.");
        }

        IReadOnlyList<PaymentEvent> events;
        try
        {
            events = stripeEvent.Type == EventTypes.ChargeRefunded
                ? await RefundEventsAsync(stripeEvent, stripe, ct)
                : [StripeEvents.FromEvent(stripeEvent)];
        }
        catch (StripeEventException e)
        {
            return Rejected(logger, metrics, "unparseable", StatusCodes.Status400BadRequest, "Unreadable event", e.Message);
        }
        catch (PaymentProviderException e)
        {
            // The refunds could not be read: not stored, so Stripe delivers the event again.
            LogRefundsUnavailable(logger, stripeEvent.Id ?? "(none)", e.Message);
            return Problem(StatusCodes.Status503ServiceUnavailable, "Cannot read the refunds now", "Stripe's refunds for this charge could not be read; please retry.");
        }

        Results<Ok<WebhookAck>, ProblemHttpResult>? answer = null;
        foreach (var paymentEvent in events)
        {
            answer = await WebhookEndpoints.StoreAndEnqueueAsync(paymentEvent, inbox, jobs, metrics, logger, ct);
            if (answer.Result is ProblemHttpResult)
            {
                return answer; // 503 (storage) or 422: Stripe retries
            }
        }

        return answer!;
    }

    // charge.refunded says how much of the charge is refunded so far, not which refund happened.
    private static async Task<IReadOnlyList<PaymentEvent>> RefundEventsAsync(Event stripeEvent, StripeProvider stripe, CancellationToken ct)
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

    private static ProblemHttpResult Rejected(ILogger logger, OrdersMetrics metrics, string reason, int status, string title, string detail)
    {
        LogRejected(logger, reason, detail);
        metrics.WebhookRejected(StripeEvents.ProviderName, reason);
        return Problem(status, title, detail);
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(new ProblemDetails { Status = status, Title = title, Detail = detail });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected stripe webhook: {Reason} ({Detail})")]
    private static partial void LogRejected(ILogger logger, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Refused stripe event {EventId}: API version {EventApiVersion}, but Stripe.net reads {SdkApiVersion}; set the webhook endpoint's API version to match")]
    private static partial void LogApiVersionMismatch(ILogger logger, string eventId, string eventApiVersion, string sdkApiVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stripe event {EventId} not stored: its refunds could not be read ({Reason}); Stripe will retry")]
    private static partial void LogRefundsUnavailable(ILogger logger, string eventId, string reason);
}
