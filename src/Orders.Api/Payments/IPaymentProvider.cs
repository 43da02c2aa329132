namespace Orders.Api.Payments;

// The one small interface every provider adapter implements (ARCHITECTURE principle 6).
// Webhook verification lives next to each provider's endpoint because each signs differently.
internal interface IPaymentProvider
{
    string Name { get; }

    // The name customers know the provider by.
    string DisplayName { get; }

    // Until when the provider's payment page (the order's redirect URL) can still be paid, for an
    // order created at createdAt that is now in status; null when it cannot.
    DateTime? PaymentPageOpenUntil(DateTime createdAt, string status);

    Task<StartedCheckout> StartCheckoutAsync(CheckoutStart checkout, CancellationToken cancellationToken);

    // Refunds the whole order at the provider. Succeeds with the refund as a PaymentEvent (stored
    // and applied like a webhook; the provider's own refund webhook that follows carries the same
    // refund id and is recognised as a duplicate), or says why it cannot.
    Task<RefundOutcome> RefundAsync(RefundRequest refund, CancellationToken cancellationToken);

    // Reconciliation: asks the provider what became of an order we still think is pending (its
    // webhook may have been lost). Returns what it learned as a PaymentEvent (stored and applied like
    // a webhook), or null when there is nothing new or the provider has no API to ask.
    Task<PaymentEvent?> QueryAsync(ProviderOrderQuery order, CancellationToken cancellationToken);

    // Whether QueryAsync can learn anything (the provider has an order API this service may call).
    bool CanBeAsked { get; }

    // A notification stored as PaymentEventKind.Notified (its signature does not decide alone): asks
    // the provider's API about the payment, refund or order it names and returns what the API says,
    // as PaymentEvents stored and applied like webhooks. Empty when the API knows nothing to act on.
    // Notifications about an order as a whole are only passed for an order that may still be paid.
    Task<IReadOnlyList<PaymentEvent>> ConfirmAsync(PaymentNotification notification, CancellationToken cancellationToken);

    // The customer left the provider's payment page (or staff cancel a pending order): the provider
    // confirms that nothing was paid (the order then becomes canceled), or says what did happen, or
    // cannot tell (the order stays pending).
    Task<CancelOutcome> CancelAsync(ProviderOrderQuery order, CancellationToken cancellationToken);
}

// What a Notified event names. Order: our order, for a notification about a provider order as a
// whole; set only while that order may still be paid (pending, canceled or expired), never from the
// notification's own word.
internal sealed record PaymentNotification(string EventType, string? ProviderOrderRef, string? TransactionRef, string? RefundRef, ProviderOrderQuery? Order);

// Learned: what the provider answered (Canceled when it confirmed nothing was paid; Paid, Pending…
// when something was); null when the provider cannot be asked or the payment is still in flight.
internal sealed record CancelOutcome(PaymentEvent? Learned)
{
    public static readonly CancelOutcome CannotTell = new((PaymentEvent?)null);
}

internal sealed record ProviderOrderQuery(string OrderNumber, string? ProviderOrderRef, string? TransactionRef);

internal sealed record RefundRequest(string OrderNumber, string? ProviderOrderRef, string? TransactionRef, long AmountMinor, string Currency, string IdempotencyKey);

internal sealed record RefundOutcome(PaymentEvent? Refund, string? NotPossibleReason)
{
    public static RefundOutcome Done(PaymentEvent refund) => new(refund, null);

    public static RefundOutcome NotPossible(string reason) => new(null, reason);
}

internal sealed record CheckoutStart(
    string OrderNumber,
    string Sku,
    string ProductName,
    int Quantity,
    long UnitPriceMinor,
    long TotalMinor,
    string Currency,
    Uri ReturnUrl,
    Uri CancelUrl,
    Uri StatusUrl,
    string? CustomerEmail = null, // for providers that prefill their payment page
    string? CustomerName = null);

// ProviderOrderRef is null where the provider assigns its reference later (the reseller's REFNO).
internal sealed record StartedCheckout(string? ProviderOrderRef, Uri RedirectUrl);

// The provider could not be reached or failed: the caller answers 502/503 and keeps nothing.
internal sealed class PaymentProviderException(string provider, bool unavailable, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string Provider { get; } = provider;

    // true: could not reach the provider (503, try again later); false: it answered with an error (502).
    public bool Unavailable { get; } = unavailable;
}

internal sealed class PaymentProviders(IEnumerable<IPaymentProvider> providers)
{
    private readonly Dictionary<string, IPaymentProvider> byName =
        providers.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> Names => byName.Keys;

    public IEnumerable<IPaymentProvider> All => byName.Values;

    public IPaymentProvider? Find(string? name) => name is not null && byName.TryGetValue(name, out var p) ? p : null;
}
