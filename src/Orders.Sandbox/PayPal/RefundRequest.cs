using System.Text.Json.Nodes;

namespace Orders.Sandbox.PayPal;

// POST /v2/payments/captures/{id}/refund: every field is optional; no amount means "refund the rest".
internal sealed record RefundRequest(Money? Amount, string? InvoiceId, string? NoteToPayer)
{
    public static (RefundRequest? Request, PayPalFailure? Failure) Read(JsonNode? body)
    {
        if (body is null)
        {
            return (new RefundRequest(null, null, null), null);
        }
        if (body is not JsonObject root)
        {
            return (null, PayPalErrors.MalformedJson("payments/v2"));
        }
        var reader = new PayPalRequestReader();
        var amount = reader.ReadMoney(root["amount"], "/amount", required: false, allowZero: false);
        var invoiceId = reader.Text(root, "invoice_id", "/invoice_id", 127);
        var noteToPayer = reader.Text(root, "note_to_payer", "/note_to_payer", 255);
        reader.Text(root, "custom_id", "/custom_id", 127);
        return reader.Failure("payments/v2") is { } failure
            ? (null, failure)
            : (new RefundRequest(amount, invoiceId, noteToPayer), null);
    }
}
