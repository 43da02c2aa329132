using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Orders.Api.Hosting;
using Orders.Api.Payments;
using Orders.Api.Payments.PayPal;

namespace Orders.Api.PaymentEvents.Receiving;

// PayPal's webhooks. The signature covers a CRC-32 of the body, so a verified event is stored as a
// notification (ids only) and confirmed with PayPal's API before it changes anything
// (ProviderConfirmation); each transmission id is accepted with one body only.
internal sealed class PayPalWebhook(PayPalWebhookVerifier signatures, PaymentEventStore store) : IWebhookVerifier<Ok<WebhookAck>>
{
    private const int MaxTransmissionIdLength = 128;

    public string Provider => PayPalProvider.ProviderName;

    public static IEndpointRouteBuilder MapPayPalWebhooks(IEndpointRouteBuilder app)
    {
        app.MapWebhookGroup("/webhooks").MapPost("/paypal", Receive)
            .WithName("ReceivePayPalWebhook")
            .WithSummary("Receive a PayPal webhook event")
            .WithDescription("Verified with PayPal's signature headers (PAYPAL-TRANSMISSION-*), then stored; 200 means stored, "
                + "will be processed. The event only makes the service ask PayPal's API about the order before anything changes.")
            .Accepts<JsonElement>("application/json");
        return app;
    }

    internal static Task<Results<Ok<WebhookAck>, ProblemHttpResult>> Receive(
        HttpRequest request, PayPalWebhook verifier, PaymentEventStore store, OrdersMetrics metrics, ILoggerFactory loggers, CancellationToken ct) =>
        WebhookReceiver.ReceiveAsync(request, verifier, store, metrics, loggers.CreateLogger("Orders.Webhooks.PayPal"), ct);

    public async Task<WebhookReading<Ok<WebhookAck>>> ReadAsync(HttpRequest request, byte[] body, CancellationToken ct)
    {
        var verification = await signatures.VerifyAsync(request.Headers, body, ct);
        if (verification.Verdict != WebhookVerdict.Valid)
        {
            return Refuse(verification.Verdict switch
            {
                WebhookVerdict.Malformed => new(StatusCodes.Status400BadRequest, "malformed", "Malformed webhook", verification.Reason),
                WebhookVerdict.Unavailable => new(StatusCodes.Status503ServiceUnavailable, "unavailable", "Cannot verify now", verification.Reason),
                _ => new(StatusCodes.Status401Unauthorized, "forged", "Webhook signature rejected", verification.Reason),
            });
        }

        string transmissionId = request.Headers["PAYPAL-TRANSMISSION-ID"]!;
        if (transmissionId.Length > MaxTransmissionIdLength)
        {
            return Refuse(new(StatusCodes.Status400BadRequest, "malformed", "Malformed webhook", "PAYPAL-TRANSMISSION-ID is too long."));
        }

        // Checked in memory first (this instance's recent transmissions, including repeats answered
        // without a write), then in the database when the event is stored.
        var transmission = WebhookTransmission.Of(Provider, transmissionId, body);
        if (!store.TryAcceptRecentTransmission(transmission))
        {
            return Refuse(WebhookRefusal.ReusedTransmission);
        }

        // A repeat of an event this instance stored recently is known by its id alone: it was parsed
        // and checked (card-number guard included) when it was stored, and a notification changes
        // nothing by itself anyway. Saves a repeat the parse, the guard and a write.
        if (PayPalEvents.TryPeekEventId(body, out var eventId) && store.TryGetRecentlyStored(Provider, eventId, out var inboxId))
        {
            return new(null, [], WebhookAck.For, transmission, RecentlyStored: (eventId, inboxId));
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return new(null, [PayPalEvents.FromWebhook(document.RootElement)], WebhookAck.For, transmission);
        }
        catch (Exception e) when (e is JsonException or PayPalEventException or InvalidOperationException)
        {
            return Refuse(new(StatusCodes.Status400BadRequest, "unparseable", "Unreadable event",
                "The event is not a PayPal webhook event this service understands.", e is PayPalEventException ? e.Message : "invalid JSON"));
        }
    }

    private static WebhookReading<Ok<WebhookAck>> Refuse(WebhookRefusal refusal) => WebhookReading<Ok<WebhookAck>>.Refuse(refusal);
}
