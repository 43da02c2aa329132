using System.Globalization;
using Orders.Api.Orders;

namespace Orders.Api.Payments.Avangate;

// The reseller is merchant of record: checkout is a signed ConvertPlus buy-link to its hosted cart,
// and everything after that arrives as notifications. Nothing is called on the reseller's API.
internal sealed class AvangateProvider(AvangateSettings settings, TimeProvider time) : IPaymentProvider
{
    public string Name => AvangateEvents.ProviderName;

    public string DisplayName => "2Checkout (Avangate)";

    // The buy-link is signed with an expiration (Avangate:LinkLifetime).
    public DateTime? PaymentPageOpenUntil(DateTime createdAt, string status) =>
        status == OrderStatus.Pending ? createdAt.Add(settings.Options.LinkLifetime) : null;

    public Task<StartedCheckout> StartCheckoutAsync(CheckoutStart checkout, CancellationToken cancellationToken)
    {
        var o = settings.Options;
        var signed = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["currency"] = checkout.Currency,
            ["expiration"] = time.GetUtcNow().Add(o.LinkLifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["order-ext-ref"] = checkout.OrderNumber,
            ["item-ext-ref"] = checkout.Sku,
            ["price"] = Money.ToDecimalString(checkout.UnitPriceMinor, checkout.Currency),
            ["qty"] = checkout.Quantity.ToString(CultureInfo.InvariantCulture),
            // The customer comes back to the order's status page whatever happened at the cart.
            ["return-url"] = checkout.StatusUrl.AbsoluteUri,
            ["return-type"] = "redirect",
            // Locks the cart: the shopper cannot change the products, quantities or prices at the
            // reseller. It does not lock the billing details: the e-mail and name stay editable there.
            ["lock"] = "1",
        };
        if (o.ProductCodes.TryGetValue(checkout.Sku, out var productCode))
        {
            signed["prod"] = productCode;
        }
        else
        {
            signed["prod"] = checkout.ProductName;
            signed["type"] = "digital";
        }

        // Sorted names, "<length><value>" values, HMAC-SHA256 with the buy-link secret (PROVIDERS.md 2.7).
        var signature = AvangateHash.Hmac(AvangateAlgorithm.Sha256, settings.BuyLinkSecret, AvangateHash.LengthPrefixed(signed.Values));
        var query = new List<KeyValuePair<string, string>> { new("merchant", settings.MerchantCode) };
        if (productCode is null)
        {
            query.Add(new("dynamic", "1"));
        }

        query.AddRange(signed);
        // ConvertPlus's billing pre-fill (not signed, PROVIDERS.md 2.7): the shopper need not type them
        // again. An address changed there is the reseller's business; the license goes to this order's.
        if (checkout.CustomerEmail is { } email)
        {
            query.Add(new("email", email));
        }

        if (checkout.CustomerName is { } name)
        {
            query.Add(new("name", name));
        }

        query.Add(new("signature", signature));
        var url = settings.CheckoutUri.AbsoluteUri + "?" + string.Join('&', query.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        // The reseller assigns its order number (REFNO) at the cart; it arrives with the first notification.
        return Task.FromResult(new StartedCheckout(ProviderOrderRef: null, new Uri(url)));
    }

    // The reseller's order API needs separate API credentials this service does not hold; its
    // notifications are retried for two days, which is the reconciliation it offers.
    public Task<PaymentEvent?> QueryAsync(ProviderOrderQuery order, CancellationToken cancellationToken) =>
        Task.FromResult<PaymentEvent?>(null);

    public bool CanBeAsked => false;

    // The reseller's notifications carry a full HMAC-SHA256 over their values and are applied as they are.
    public Task<IReadOnlyList<PaymentEvent>> ConfirmAsync(PaymentNotification notification, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PaymentEvent>>([]);

    // Without the order API the reseller cannot confirm that nothing was paid: the order stays pending
    // (its notifications, or the expiry, settle it).
    public Task<CancelOutcome> CancelAsync(ProviderOrderQuery order, CancellationToken cancellationToken) =>
        Task.FromResult(CancelOutcome.CannotTell);

    public Task<RefundOutcome> RefundAsync(RefundRequest refund, CancellationToken cancellationToken) =>
        Task.FromResult(RefundOutcome.NotPossible(
            "The reseller is merchant of record: refund this order in the reseller's control panel. Its REFUND notification will then mark the order refunded and revoke the license here."));
}
