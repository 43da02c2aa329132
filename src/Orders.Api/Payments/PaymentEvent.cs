namespace Orders.Api.Payments;

// What a provider told us, normalised. This is all that is stored of a webhook: never its raw body.
internal sealed record PaymentEvent(
    string Provider,
    string EventId,
    string EventType,
    PaymentEventKind Kind,
    string? OrderNumber,
    string? ProviderOrderRef,
    string? TransactionRef,
    string? RefundRef,
    long? AmountMinor,
    string? Currency,
    string? Sku = null);

internal enum PaymentEventKind
{
    Ignored,
    Approved,   // buyer approved; the money still has to be captured
    Pending,    // captured but not yet settled: do not deliver
    Paid,
    Failed,
    Canceled,
    Refunded,   // AmountMinor is this refund's amount; the order is refunded once refunds cover the total
    Reversed,
    LicenseDisabled, // the reseller disabled the license it knows for this order (LCN)
    Expired,         // the order was never paid in time (our expiry job, or the provider's session expiry)
    Disputed,        // a chargeback was opened (or closed in the merchant's favour): recorded, nothing changes
    Notified,        // the provider says something changed, on a signature too weak to decide alone (PayPal):
                     // nothing changes until its API confirms what happened (PaymentEvents/ProviderConfirmation)
}
