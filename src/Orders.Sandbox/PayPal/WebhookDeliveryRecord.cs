using Orders.Sandbox.Webhooks;

namespace Orders.Sandbox.PayPal;

internal sealed record WebhookDeliveryView(
    long Sequence,
    string EventId,
    string EventType,
    int Copy,
    string State,
    bool Delivered,
    bool Dropped,
    int Attempts,
    int? LastStatusCode,
    string? LastError,
    string? LastTransmissionId,
    string? Target,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? NextAttemptAt);

// The history of one copy of one event, for GET {prefix}/_webhooks. An attempt's mark is its
// PAYPAL-TRANSMISSION-ID.
internal sealed class WebhookDeliveryRecord(long sequence, string eventId, string eventType, int copy, DateTimeOffset createdAt)
    : DeliveryRecord(sequence, copy, createdAt)
{
    public string EventId => eventId;

    public string EventType => eventType;

    public override string Describe() => $"PayPal {eventType} {eventId}";

    public WebhookDeliveryView Snapshot()
    {
        var p = Progress();
        return new WebhookDeliveryView(Sequence, eventId, eventType, Copy, p.State, p.Delivered, p.Dropped, p.Attempts,
            p.LastStatusCode, p.LastError, p.LastAttemptMark, p.Target, p.CreatedAt, p.LastAttemptAt, p.DeliveredAt, p.NextAttemptAt);
    }
}
