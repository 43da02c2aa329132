namespace Orders.Api.Orders;

internal sealed class OrderRow
{
    public const string Columns = """
        id, order_number, sku, product_name, quantity, unit_price_minor, currency, total_minor, email, licensee_name,
        provider, provider_order_ref, provider_transaction_ref, redirect_url, status, status_token_hash, created_at, updated_at, paid_at, erased_at
        """;

    public long Id { get; init; }
    public string OrderNumber { get; init; } = "";
    public string Sku { get; init; } = "";
    public string ProductName { get; init; } = "";
    public int Quantity { get; init; }
    public long UnitPriceMinor { get; init; }
    public string Currency { get; init; } = "";
    public long TotalMinor { get; init; }
    public string Email { get; init; } = "";
    public string LicenseeName { get; init; } = "";
    public string Provider { get; init; } = "";
    public string? ProviderOrderRef { get; init; }
    public string? ProviderTransactionRef { get; init; }
    public string? RedirectUrl { get; init; }
    public string Status { get; init; } = "";
    public string StatusTokenHash { get; init; } = "";
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public DateTime? PaidAt { get; init; }

    // Set when the customer's personal data on this order was erased (Privacy/CustomerData.cs).
    public DateTime? ErasedAt { get; init; }
}
