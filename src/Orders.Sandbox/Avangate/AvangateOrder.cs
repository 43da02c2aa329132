namespace Orders.Sandbox.Avangate;

internal enum AvangateOrderState
{
    Cart,
    Complete,
    Refunded,
    Reversed,
}

// One hosted cart and, once paid, the order it becomes. Mutable state is guarded by Gate.
internal sealed class AvangateOrder(string refno, int orderNumber, string customerReference, BuyLink link, DateTimeOffset createdAt)
{
    public Lock Gate { get; } = new();

    public string Refno => refno;

    // ORDERNO: the merchant's running order number at 2Checkout.
    public int OrderNumber => orderNumber;

    // AVANGATE_CUSTOMER_REFERENCE.
    public string CustomerReference => customerReference;

    public BuyLink Link => link;

    public DateTimeOffset CreatedAt => createdAt;

    public AvangateOrderState State { get; set; } = AvangateOrderState.Cart;

    public string? Email { get; set; }

    public DateTimeOffset? PaidAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    public string StateName => State switch
    {
        AvangateOrderState.Cart => "cart",
        AvangateOrderState.Complete => "complete",
        AvangateOrderState.Refunded => "refunded",
        _ => "reversed",
    };

    // IPN_LICENSE_REF[]: stable per order (and per line after the first); also the LCN's LICENSE_CODE.
    public string LicenseReference(int line) => line == 0 ? $"2CO-LIC-{refno}" : $"2CO-LIC-{refno}-{line + 1}";

    public DateTimeOffset LicenseStart => PaidAt ?? createdAt;

    // One-year licences, so an LCN has a real EXPIRATION_DATE.
    public DateTimeOffset LicenseExpires => LicenseStart.AddYears(1);
}
