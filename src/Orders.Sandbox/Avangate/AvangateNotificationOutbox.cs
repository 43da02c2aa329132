using System.Text;
using System.Threading.Channels;
using Orders.Sandbox.Webhooks;

namespace Orders.Sandbox.Avangate;

// One signed notification: the exact bytes every copy and every attempt sends, and the values its
// read receipt must be computed over. Status is ORDERSTATUS for an IPN and STATUS for an LCN.
internal sealed record AvangateNotification(
    long Id, string Kind, string? Refno, string? Status, string? MessageId, byte[] Body, IReadOnlyList<string> ReceiptSource);

internal sealed record AvangatePendingDelivery(AvangateDeliveryRecord Record);

// The queue between "something happened" and the delivery service, plus what tests can inspect.
internal sealed class AvangateNotificationOutbox(AvangateSandboxKnobs knobs, TimeProvider time, ILogger<AvangateNotificationOutbox> logger)
{
    private readonly DeliveryLedger<AvangateDeliveryRecord, AvangatePendingDelivery> ledger = new();
    private long notificationSequence;

    public ChannelReader<AvangatePendingDelivery> Reader => ledger.Reader;

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
            var record = new AvangateDeliveryRecord(ledger.NextSequence(), notification, copy, time.GetUtcNow());
            ledger.Record(record);
            if (settings.DropNotifications)
            {
                record.Drop();
                logger.NotificationDropped(kind, notification.Id, notification.Status ?? "");
                continue;
            }
            ledger.Queue(new AvangatePendingDelivery(record));
        }
        ledger.Trim();
        return notification;
    }

    public IReadOnlyList<AvangateDeliveryView> List(string? refno, string? kind, string? messageId) =>
    [
        .. ledger.List(d => (refno is null || d.Notification.Refno == refno)
                && (kind is null || d.Notification.Kind == kind)
                && (messageId is null || d.Notification.MessageId == messageId))
            .Select(d => d.Snapshot()),
    ];
}
