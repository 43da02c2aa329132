namespace Orders.Sandbox.PayPal;

// In-memory state. Every field of an order, its captures and their refunds is read and written only
// while holding the order's Gate.
internal sealed class PayPalOrder(string id, ValidatedOrder request, DateTimeOffset created)
{
    public string Id => id;
    public Lock Gate { get; } = new();
    public ValidatedOrder Request => request;
    public string Intent => request.Intent;
    public DateTimeOffset CreateTime { get; } = created;

    public string Status { get; set; } = request.PayerActionFlow ? "PAYER_ACTION_REQUIRED" : "CREATED";
    public DateTimeOffset UpdateTime { get; set; } = created;
    public bool Approved { get; set; }

    // What the (scripted) approval asked the capture to turn out as: COMPLETED, PENDING or DECLINED.
    public string CaptureStatusOnApproval { get; set; } = "COMPLETED";

    // One capture per purchase unit, in unit order; empty until captured.
    public List<PayPalCapture> Captures { get; } = [];
}

internal sealed class PayPalCapture(string id, PayPalOrder order, ValidatedUnit unit, string status, DateTimeOffset created)
{
    public string Id => id;
    public PayPalOrder Order => order;
    public ValidatedUnit Unit => unit;
    public Money Amount => unit.Amount;
    public Money Fee { get; } = unit.Amount.Fee;
    public DateTimeOffset CreateTime { get; } = created;

    public string Status { get; set; } = status;
    public DateTimeOffset UpdateTime { get; set; } = created;
    public List<PayPalRefund> Refunds { get; } = [];

    public decimal Refunded => Refunds.Sum(r => r.Amount.Value);
    public Money Remaining => Amount with { Value = Amount.Value - Refunded };

    public string? StatusReason => Status switch
    {
        "PENDING" => "PENDING_REVIEW",
        "DECLINED" => "DECLINED_BY_RISK_FRAUD_FILTERS",
        _ => null,
    };
}

// A refund, or a reversal (chargeback) which PayPal reports in the same shape.
internal sealed record PayPalRefund(
    string Id, PayPalCapture Capture, Money Amount, string? InvoiceId, string? NoteToPayer, bool IsReversal, DateTimeOffset CreateTime);
