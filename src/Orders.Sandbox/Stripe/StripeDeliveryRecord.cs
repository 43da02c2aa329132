using System.Globalization;
using Orders.Sandbox.Webhooks;

namespace Orders.Sandbox.Stripe;

internal sealed record StripeDeliveryView(
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
    long? LastTimestamp,
    string? Target,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? NextAttemptAt);

// The history of one copy of one event, for GET {prefix}/_webhooks. An attempt's mark is the
// timestamp its Stripe-Signature was made for (never the signature itself).
internal sealed class StripeDeliveryRecord(long sequence, string eventId, string eventType, int copy, DateTimeOffset createdAt)
    : DeliveryRecord(sequence, copy, createdAt)
{
    public string EventId => eventId;

    public string EventType => eventType;

    public override string Describe() => $"Stripe {eventType} {eventId}";

    public StripeDeliveryView Snapshot()
    {
        var p = Progress();
        return new StripeDeliveryView(Sequence, eventId, eventType, Copy, p.State, p.Delivered, p.Dropped, p.Attempts,
            p.LastStatusCode, p.LastError, p.LastAttemptMark is { } mark ? long.Parse(mark, CultureInfo.InvariantCulture) : null,
            p.Target, p.CreatedAt, p.LastAttemptAt, p.DeliveredAt, p.NextAttemptAt);
    }
}
