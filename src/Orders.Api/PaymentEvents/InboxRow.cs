using Orders.Api.Payments;

namespace Orders.Api.PaymentEvents;

internal sealed class InboxRow
{
    public const string Columns = """
        id, provider, provider_event_id, event_type, kind, order_number, provider_order_ref, provider_transaction_ref,
        provider_refund_ref, amount_minor, currency, sku, received_at, order_id, processed_at, outcome, attempts, last_error
        """;

    public long Id { get; init; }
    public string Provider { get; init; } = "";
    public string ProviderEventId { get; init; } = "";
    public string EventType { get; init; } = "";
    public string Kind { get; init; } = "";
    public string? OrderNumber { get; init; }
    public string? ProviderOrderRef { get; init; }
    public string? ProviderTransactionRef { get; init; }
    public string? ProviderRefundRef { get; init; }
    public long? AmountMinor { get; init; }
    public string? Currency { get; init; }
    public string? Sku { get; init; }
    public DateTime ReceivedAt { get; init; }
    public long? OrderId { get; init; }
    public DateTime? ProcessedAt { get; init; }
    public string? Outcome { get; init; }
    public int Attempts { get; init; }
    public string? LastError { get; init; }

    public PaymentEventKind EventKind => Enum.Parse<PaymentEventKind>(Kind);
}
