using Stripe;
using Stripe.Checkout;

namespace Orders.Api.Payments.Stripe;

// Turns what Stripe says (a verified event, a session or a refund read through the API) into the
// provider-neutral PaymentEvent. Branches on event types and status codes only, never on text.
// Only ids, amounts and the order number are read: customer details, billing details and card
// details in the same objects are never looked at.
internal static class StripeEvents
{
    public const string ProviderName = "stripe";

    // Our keys in session and PaymentIntent metadata (PaymentIntent metadata is copied to its charge).
    public const string OrderNumberKey = "order_number";
    public const string SkuKey = "sku";

    private const int MaxFieldLength = 128;

    // A session is paid (or expires) once, whoever reports it: checkout.session.completed, the
    // async_payment_succeeded that follows a delayed method, and our own look-up share one id.
    public static string SessionEventId(string sessionId, string outcome) => $"session:{sessionId}:{outcome}";

    // One refund is one event, whoever reports it: the answer to our refund call and every
    // charge.refunded that lists it share this id, so the inbox keeps it once.
    public static string RefundEventId(string refundId) => $"refund:{refundId}";

    public static PaymentEvent FromEvent(Event stripeEvent)
    {
        var eventId = Required(stripeEvent.Id, "id");
        var type = Required(stripeEvent.Type, "type");
        return type switch
        {
            EventTypes.CheckoutSessionCompleted => Completed(Session(stripeEvent), eventId, type),
            EventTypes.CheckoutSessionAsyncPaymentSucceeded => Paid(Session(stripeEvent), type),
            EventTypes.CheckoutSessionAsyncPaymentFailed => FromSession(Session(stripeEvent), eventId, type, PaymentEventKind.Failed),
            EventTypes.CheckoutSessionExpired => Expired(Session(stripeEvent), type),
            // A chargeback was opened: recorded for support; the license stays until it is decided.
            EventTypes.ChargeDisputeCreated => FromDispute(Dispute(stripeEvent), eventId, type, PaymentEventKind.Disputed),
            EventTypes.ChargeDisputeClosed => Closed(Dispute(stripeEvent), eventId, type),
            _ => new PaymentEvent(ProviderName, eventId, Clip(type), PaymentEventKind.Ignored, null, null, null, null, null, null),
        };
    }

    // Fulfil only when the money is there; a delayed payment method completes the session unpaid
    // and follows with async_payment_succeeded or _failed.
    private static PaymentEvent Completed(Session session, string eventId, string type) =>
        session.PaymentStatus is "paid" or "no_payment_required" ? Paid(session, type) : FromSession(session, eventId, type, PaymentEventKind.Pending);

    private static PaymentEvent Paid(Session session, string type) =>
        FromSession(session, SessionEventId(Required(session.Id, "data.object.id"), "paid"), type, PaymentEventKind.Paid);

    private static PaymentEvent Expired(Session session, string type) =>
        FromSession(session, SessionEventId(Required(session.Id, "data.object.id"), "expired"), type, PaymentEventKind.Expired);

    // Lost: the money went back to the cardholder, as with a reversal. Won (or closed with a
    // warning): nothing changes, but it is recorded next to the opening.
    private static PaymentEvent Closed(Dispute dispute, string eventId, string type) =>
        FromDispute(dispute, eventId, type, dispute.Status == "lost" ? PaymentEventKind.Reversed : PaymentEventKind.Disputed);

    // What our own look-up of a session learned (reconciliation), or null when nothing is final yet.
    public static PaymentEvent? FromRetrievedSession(Session session) => session switch
    {
        { Status: "complete", PaymentStatus: "paid" or "no_payment_required" } =>
            FromSession(session, SessionEventId(Required(session.Id, "id"), "paid"), "session.retrieved.paid", PaymentEventKind.Paid),
        { Status: "expired" } =>
            FromSession(session, SessionEventId(Required(session.Id, "id"), "expired"), "session.retrieved.expired", PaymentEventKind.Expired),
        _ => null,
    };

    // The session as the expire call answered it: Stripe confirmed it can no longer be paid.
    public static PaymentEvent CanceledSession(Session session) =>
        FromSession(session, SessionEventId(Required(session.Id, "id"), "canceled"), "session.expired.on-cancel", PaymentEventKind.Canceled);

    // A refund, from our Refund API call or from the refunds of a charge.refunded. Pending refunds
    // count (Stripe already counts them in the charge's amount_refunded); failed or canceled ones do not.
    public static PaymentEvent FromRefund(Refund refund, string eventType, string? orderNumber, string? providerOrderRef, string? transactionRef)
    {
        var refundId = Required(refund.Id, "refund.id");
        var kind = refund.Status is "succeeded" or "pending" ? PaymentEventKind.Refunded : PaymentEventKind.Ignored;
        return new PaymentEvent(ProviderName, RefundEventId(refundId), Clip(eventType), kind,
            Optional(orderNumber), Optional(providerOrderRef), Optional(refund.PaymentIntentId) ?? Optional(transactionRef), refundId,
            refund.Amount, Currency(refund.Currency));
    }

    public static Charge Charge(Event stripeEvent) =>
        stripeEvent.Data?.Object as Charge ?? throw new StripeEventException("The event's data.object is not a charge.");

    public static string? OrderNumber(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is not null && metadata.TryGetValue(OrderNumberKey, out var number) ? Optional(number) : null;

    private static PaymentEvent FromSession(Session session, string eventId, string eventType, PaymentEventKind kind) => new(
        ProviderName,
        eventId,
        Clip(eventType),
        kind,
        Optional(session.ClientReferenceId) ?? OrderNumber(session.Metadata),
        Required(session.Id, "data.object.id"),
        Optional(session.PaymentIntentId),
        null,
        session.AmountTotal,
        Currency(session.Currency),
        session.Metadata is not null && session.Metadata.TryGetValue(SkuKey, out var sku) ? Optional(sku) : null);

    private static PaymentEvent FromDispute(Dispute dispute, string eventId, string eventType, PaymentEventKind kind) => new(
        ProviderName, eventId, Clip(eventType), kind,
        OrderNumber(dispute.Metadata), null, Optional(dispute.PaymentIntentId), null,
        dispute.Amount, Currency(dispute.Currency));

    private static Session Session(Event stripeEvent) =>
        stripeEvent.Data?.Object as Session ?? throw new StripeEventException("The event's data.object is not a checkout.session.");

    private static Dispute Dispute(Event stripeEvent) =>
        stripeEvent.Data?.Object as Dispute ?? throw new StripeEventException("The event's data.object is not a dispute.");

    // Stripe writes currencies in lower case; orders keep ISO codes in upper case.
    private static string? Currency(string? currency) => Optional(currency)?.ToUpperInvariant();

    private static string Required(string? value, string name) =>
        Optional(value) ?? throw new StripeEventException($"The field '{name}' is missing.");

    private static string? Optional(string? value) =>
        string.IsNullOrEmpty(value) ? null
        : value.Length <= MaxFieldLength ? value
        : throw new StripeEventException("A field is too long.");

    private static string Clip(string value) => value.Length <= MaxFieldLength ? value : value[..MaxFieldLength];
}

internal sealed class StripeEventException(string message) : Exception(message);
