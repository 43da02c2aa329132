using Orders.Sandbox.Webhooks;

namespace Orders.Sandbox.Avangate;

internal sealed record AvangateDeliveryView(
    long Id,
    long Sequence,
    string Kind,
    string? Refno,
    string? OrderStatus,
    string? MessageId,
    int Copy,
    string State,
    bool Delivered,
    bool Dropped,
    int Attempts,
    int? LastStatusCode,
    bool ReceiptValid,
    string? LastError,
    string? Target,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? NextAttemptAt);

// The history of one copy of one notification, for GET {prefix}/_notifications. A delivery counts
// only with a valid read receipt, so "delivered" and "the last answer carried a valid receipt" are
// the same thing.
internal sealed class AvangateDeliveryRecord(long sequence, AvangateNotification notification, int copy, DateTimeOffset createdAt)
    : DeliveryRecord(sequence, copy, createdAt)
{
    public AvangateNotification Notification => notification;

    public override string Describe() => $"Avangate {notification.Kind} {notification.Id}";

    public AvangateDeliveryView Snapshot()
    {
        var p = Progress();
        return new AvangateDeliveryView(
            notification.Id, Sequence, notification.Kind, notification.Refno, notification.Status, notification.MessageId, Copy,
            p.State, p.Delivered, p.Dropped, p.Attempts, p.LastStatusCode, p.Delivered, p.LastError, p.Target,
            p.CreatedAt, p.LastAttemptAt, p.DeliveredAt, p.NextAttemptAt);
    }
}
