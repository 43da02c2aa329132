using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Orders.Sandbox.Template;

namespace Orders.Sandbox.Avangate;

internal sealed record AvangateRefusal(int StatusCode, string Code, string Message);

internal sealed record AvangatePayment(string Refno, string? ReturnUrl, string ReturnType);

internal sealed record AvangateQueued(long Id, string Kind, string? Refno, string? OrderStatus, string? MessageId);

// 2Checkout's side of carts and orders: state transitions and the notifications they cause.
// Notifications are queued while the order's lock is held, so they leave in the order the
// changes happened.
internal sealed class AvangateOrders(
    AvangateNotificationFields fields,
    AvangateIpnSigner signer,
    Outbox<AvangateSandboxOptions> outbox,
    AvangateProfile profile,
    IOptions<AvangateSandboxOptions> options,
    TimeProvider time,
    ILogger<AvangateOrders> logger)
{
    private readonly SandboxStore<AvangateOrder> byRefno = new(o => o.Gate);
    private readonly ConcurrentDictionary<string, AvangateOrder> byCartKey = new(StringComparer.Ordinal);
    private readonly Lock createGate = new();
    private int orderNumbers = 1000;

    public (AvangateOrder Order, bool Created) Open(BuyLink link)
    {
        lock (createGate)
        {
            if (byCartKey.TryGetValue(link.CartKey, out var existing))
            {
                return (existing, false);
            }
            // REFNO: a 9-digit integer, unique in this sandbox.
            var order = new AvangateOrder(byRefno.NewId(() => Digits(9)), Interlocked.Increment(ref orderNumbers), Digits(9), link, time.GetUtcNow());
            byRefno.TryAdd(order.Refno, order);
            byCartKey[link.CartKey] = order;
            logger.Changed("2Checkout", "cart", order.Refno, "opened");
            return (order, true);
        }
    }

    public AvangateOrder? Find(string refno) => byRefno.Find(refno);

    // What Pay does: PAYMENT_AUTHORIZED then COMPLETE. Paying a paid order again only answers again.
    public (AvangatePayment? Payment, AvangateRefusal? Refusal) Pay(string refno, string email) => WithOrder<AvangatePayment>(refno, order =>
        {
            switch (order.State)
            {
                case AvangateOrderState.Cart:
                    var now = time.GetUtcNow();
                    order.State = AvangateOrderState.Complete;
                    order.Email = email;
                    order.PaidAt = now;
                    order.CompletedAt = now;
                    logger.Changed("2Checkout", "order", order.Refno, "paid");
                    SendIpn(order, "PAYMENT_AUTHORIZED");
                    SendIpn(order, "COMPLETE");
                    break;
                case AvangateOrderState.Complete:
                    break;
                default:
                    return (null, new AvangateRefusal(StatusCodes.Status409Conflict, "ORDER_CLOSED", $"Order {refno} was {order.StateName} and cannot be paid."));
            }
            var link = order.Link;
            return (new AvangatePayment(order.Refno, link.ReturnUrl is { } url ? PayPage.WithQuery(url, ("refno", order.Refno)) : null, link.ReturnType), null);
        });

    public (AvangateQueued? Queued, AvangateRefusal? Refusal) Refund(string refno) => Close(refno, AvangateOrderState.Refunded, "REFUND");

    public (AvangateQueued? Queued, AvangateRefusal? Refusal) Reverse(string refno) => Close(refno, AvangateOrderState.Reversed, "REVERSED");

    public (AvangateQueued? Queued, AvangateRefusal? Refusal) ChangeLicense(string refno, string status) => WithOrder<AvangateQueued>(refno, order =>
        {
            if (order.State == AvangateOrderState.Cart)
            {
                return (null, NotPaid(refno));
            }
            var notification = Publish(
                AvangateNotificationKinds.Lcn, signer.Sign(AvangateNotificationFields.Lcn(order, status, time.GetUtcNow()), options.Value.SecretKey), order.Refno);
            logger.Changed("2Checkout", "order", order.Refno, $"lcn {notification.Id} queued: licence {status}");
            return (Queued(notification, order.Refno), null);
        });

    // Tests' own notifications: the fields as posted, signed unless they carry signatures already.
    public AvangateQueued SendRaw(string kind, List<KeyValuePair<string, string>> posted)
    {
        var signed = posted.Any(f => AvangateHash.IsSignatureField(f.Key)) ? posted : signer.Sign(posted, options.Value.SecretKey);
        var notification = Publish(kind, signed);
        logger.Changed("2Checkout", notification.Kind, notification.Id, "queued as posted by a test");
        return Queued(notification, notification.Refno);
    }

    private (AvangateQueued?, AvangateRefusal?) Close(string refno, AvangateOrderState state, string orderStatus) => WithOrder<AvangateQueued>(refno, order =>
        {
            if (order.State == AvangateOrderState.Cart)
            {
                return (null, NotPaid(refno));
            }
            if (order.State != AvangateOrderState.Complete)
            {
                return (null, new AvangateRefusal(StatusCodes.Status409Conflict, "ORDER_CLOSED", $"Order {refno} was already {order.StateName}."));
            }
            order.State = state;
            logger.Changed("2Checkout", "order", order.Refno, "now " + order.StateName);
            return (SendIpn(order, orderStatus), null);
        });

    private (T?, AvangateRefusal?) WithOrder<T>(string refno, Func<AvangateOrder, (T?, AvangateRefusal?)> action)
        where T : class => byRefno.With(refno, action, () => (null, NotFound(refno)));

    private AvangateQueued SendIpn(AvangateOrder order, string orderStatus)
    {
        var messageId = Digits(12);
        var unsigned = fields.Ipn(order, orderStatus, messageId, time.GetUtcNow());
        var notification = Publish(AvangateNotificationKinds.Ipn, signer.Sign(unsigned, options.Value.SecretKey));
        logger.Changed("2Checkout", "order", order.Refno, $"ipn {notification.Id} queued: {orderStatus} (message {messageId})");
        return Queued(notification, order.Refno);
    }

    private AvangateNotification Publish(string kind, IReadOnlyList<KeyValuePair<string, string>> signed, string? refno = null)
    {
        var notification = profile.Notification(kind, signed, refno);
        outbox.Enqueue(notification);
        return notification;
    }

    private static AvangateQueued Queued(AvangateNotification notification, string? refno) =>
        new(notification.Number, notification.Kind, refno, notification.Status, notification.MessageId);

    public static AvangateRefusal NotFound(string refno) =>
        new(StatusCodes.Status404NotFound, "ORDER_NOT_FOUND", $"There is no sandbox order {refno}.");

    private static AvangateRefusal NotPaid(string refno) =>
        new(StatusCodes.Status409Conflict, "ORDER_NOT_PAID", $"Order {refno} has not been paid yet.");

    private static string Digits(int count) =>
        RandomNumberGenerator.GetInt32(1, 10).ToString(CultureInfo.InvariantCulture) + RandomNumberGenerator.GetString("0123456789", count - 1);
}
