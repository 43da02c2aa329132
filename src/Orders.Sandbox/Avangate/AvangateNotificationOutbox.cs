using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;

namespace Orders.Sandbox.Avangate;

// One signed notification: the exact bytes every copy and every attempt sends, and the values its
// read receipt must be computed over. Status is ORDERSTATUS for an IPN and STATUS for an LCN.
internal sealed record AvangateNotification(
    long Id, string Kind, string? Refno, string? Status, string? MessageId, byte[] Body, IReadOnlyList<string> ReceiptSource);

internal sealed record AvangatePendingDelivery(AvangateDeliveryRecord Record);

// The queue between "something happened" and the delivery service, plus what tests can inspect.
internal sealed class AvangateNotificationOutbox(AvangateSandboxKnobs knobs, TimeProvider time, ILogger<AvangateNotificationOutbox> logger)
{
    // Bounds memory in long runs; only finished deliveries are forgotten.
    private const int MaxRecords = 10_000;

    private readonly Channel<AvangatePendingDelivery> queue = Channel.CreateUnbounded<AvangatePendingDelivery>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, AvangateDeliveryRecord> deliveries = new();
    private long notificationSequence;
    private long deliverySequence;

    public ChannelReader<AvangatePendingDelivery> Reader => queue.Reader;

    // The fields must already be signed; they are form-encoded once, here. An LCN names no REFNO, so
    // the order it is about is passed in.
    public AvangateNotification Publish(string kind, IReadOnlyList<KeyValuePair<string, string>> signedFields, string? refno = null)
    {
        var notification = new AvangateNotification(
            Interlocked.Increment(ref notificationSequence),
            kind,
            refno ?? AvangateForm.First(signedFields, "REFNO"),
            AvangateForm.First(signedFields, kind == AvangateNotificationKinds.Lcn ? "STATUS" : "ORDERSTATUS"),
            AvangateForm.First(signedFields, "MESSAGE_ID"),
            Encoding.ASCII.GetBytes(AvangateIpnSigner.FormEncode(signedFields)),
            AvangateReadReceipt.SourceValues(kind, signedFields));
        var settings = knobs.Current;
        for (var copy = 1; copy <= 1 + settings.DuplicateDeliveries; copy++)
        {
            var record = new AvangateDeliveryRecord(Interlocked.Increment(ref deliverySequence), notification, copy, time.GetUtcNow());
            deliveries[record.Sequence] = record;
            if (settings.DropNotifications)
            {
                record.Drop();
                logger.NotificationDropped(kind, notification.Id, notification.Status ?? "");
                continue;
            }
            queue.Writer.TryWrite(new AvangatePendingDelivery(record));
        }
        Trim();
        return notification;
    }

    public IReadOnlyList<AvangateDeliveryView> List(string? refno, string? kind, string? messageId) => deliveries.Values
        .Where(d => (refno is null || d.Notification.Refno == refno)
            && (kind is null || d.Notification.Kind == kind)
            && (messageId is null || d.Notification.MessageId == messageId))
        .OrderBy(d => d.Sequence)
        .Select(d => d.Snapshot())
        .ToList();

    private void Trim()
    {
        if (deliveries.Count <= MaxRecords)
        {
            return;
        }
        foreach (var record in deliveries.Values.Where(d => d.IsFinished).OrderBy(d => d.Sequence).Take(deliveries.Count - MaxRecords))
        {
            deliveries.TryRemove(record.Sequence, out _);
        }
    }
}
