using System.Text.Json;
using System.Text.Json.Nodes;
using Orders.Sandbox.Template;

namespace Orders.Sandbox.Stripe;

// Stripe's JSON objects as the API and the webhooks show them: the fields a Checkout integration
// reads, with nulls where Stripe has nothing to say. Records serialized with SandboxJson.Stripe
// (snake_case, nulls written), fields in Stripe's order.
internal sealed class StripeRepresentations(StripeProfile profile)
{
    public JsonObject Session(StripeSession s)
    {
        var r = s.Request;
        return Node(new SessionJson(
            s.Id, "checkout.session", r.AmountTotal, r.AmountTotal, r.CancelUrl, r.ClientReferenceId, s.Created.ToUnixTimeSeconds(), r.Currency,
            s.Payment is null ? null : new Contact(r.CustomerEmail), r.CustomerEmail, r.ExpiresAt.ToUnixTimeSeconds(), Livemode: false, r.Metadata,
            "payment", s.Payment?.PaymentIntentId, ["card"], s.PaymentStatus, s.Status, r.SuccessUrl, "hosted",
            s.Status == StripeSession.Open ? profile.PayPage(s.Id) : null));
    }

    // A PaymentIntent's metadata is copied to the charge it creates; session metadata is not.
    public static JsonObject Charge(StripeSession s, StripePayment p)
    {
        var r = s.Request;
        return Node(new ChargeJson(
            p.ChargeId, "charge", r.AmountTotal, p.Succeeded ? r.AmountTotal : 0, p.AmountRefunded, new Contact(r.CustomerEmail), p.Succeeded,
            p.Created.ToUnixTimeSeconds(), r.Currency, r.PaymentIntentDescription, p.Dispute is not null, Livemode: false, r.PaymentIntentMetadata,
            p.Succeeded, p.PaymentIntentId, new PaymentMethodDetails(new Card("visa", 12, 2034, "4242"), "card"), p.AmountRefunded >= r.AmountTotal,
            p.Failed ? "failed" : p.Succeeded ? "succeeded" : "pending"));
    }

    public static JsonObject Refund(StripeRefund refund, StripeSession s, StripePayment p) => Node(new RefundJson(
        refund.Id, "refund", refund.Amount, p.ChargeId, refund.Created.ToUnixTimeSeconds(), s.Request.Currency, refund.Metadata, p.PaymentIntentId,
        refund.Reason, "succeeded"));

    public static JsonObject Dispute(StripeDispute dispute, StripeSession s, StripePayment p) => Node(new DisputeJson(
        dispute.Id, "dispute", dispute.Amount, p.ChargeId, dispute.Created.ToUnixTimeSeconds(), s.Request.Currency, IsChargeRefundable: false,
        Livemode: false, new Dictionary<string, string>(), p.PaymentIntentId, "fraudulent", dispute.Status));

    public static JsonObject List(IEnumerable<JsonObject> data, string url) => new()
    {
        ["object"] = "list",
        ["data"] = new JsonArray([.. data]),
        ["has_more"] = false,
        ["url"] = url,
    };

    private static JsonObject Node<T>(T value) => JsonSerializer.SerializeToNode(value, SandboxJson.Stripe)!.AsObject();

    private sealed record Contact(string? Email, string? Name = null, string? Phone = null);

    private sealed record Card(string Brand, int ExpMonth, int ExpYear, string Last4);

    private sealed record PaymentMethodDetails(Card Card, string Type);

    private sealed record SessionJson(
        string Id, string Object, long AmountSubtotal, long AmountTotal, string? CancelUrl, string? ClientReferenceId, long Created, string Currency,
        Contact? CustomerDetails, string? CustomerEmail, long ExpiresAt, bool Livemode, IReadOnlyDictionary<string, string> Metadata, string Mode,
        string? PaymentIntent, string[] PaymentMethodTypes, string PaymentStatus, string Status, string? SuccessUrl, string UiMode, string? Url);

    private sealed record ChargeJson(
        string Id, string Object, long Amount, long AmountCaptured, long AmountRefunded, Contact BillingDetails, bool Captured, long Created,
        string Currency, string? Description, bool Disputed, bool Livemode, IReadOnlyDictionary<string, string> Metadata, bool Paid,
        string PaymentIntent, PaymentMethodDetails PaymentMethodDetails, bool Refunded, string Status);

    private sealed record RefundJson(
        string Id, string Object, long Amount, string Charge, long Created, string Currency, IReadOnlyDictionary<string, string> Metadata,
        string PaymentIntent, string? Reason, string Status);

    private sealed record DisputeJson(
        string Id, string Object, long Amount, string Charge, long Created, string Currency, bool IsChargeRefundable, bool Livemode,
        IReadOnlyDictionary<string, string> Metadata, string PaymentIntent, string Reason, string Status);
}
