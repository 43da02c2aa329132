using System.Text.Json.Nodes;

namespace Orders.Sandbox.Stripe;

// Stripe's JSON objects as the API and the webhooks show them: the fields a Checkout integration
// reads, in Stripe's names, with nulls where Stripe has nothing to say.
internal sealed class StripeRepresentations(StripeProfile profile)
{
    public JsonObject Session(StripeSession s)
    {
        var r = s.Request;
        return new JsonObject
        {
            ["id"] = s.Id,
            ["object"] = "checkout.session",
            ["amount_subtotal"] = r.AmountTotal,
            ["amount_total"] = r.AmountTotal,
            ["cancel_url"] = r.CancelUrl,
            ["client_reference_id"] = r.ClientReferenceId,
            ["created"] = s.Created.ToUnixTimeSeconds(),
            ["currency"] = r.Currency,
            ["customer_details"] = s.Payment is null ? null : new JsonObject { ["email"] = r.CustomerEmail, ["name"] = null, ["phone"] = null },
            ["customer_email"] = r.CustomerEmail,
            ["expires_at"] = r.ExpiresAt.ToUnixTimeSeconds(),
            ["livemode"] = false,
            ["metadata"] = Map(r.Metadata),
            ["mode"] = "payment",
            ["payment_intent"] = s.Payment?.PaymentIntentId,
            ["payment_method_types"] = new JsonArray("card"),
            ["payment_status"] = s.PaymentStatus,
            ["status"] = s.Status,
            ["success_url"] = r.SuccessUrl,
            ["ui_mode"] = "hosted",
            ["url"] = s.Status == StripeSession.Open ? profile.PayPage(s.Id) : null,
        };
    }

    // A PaymentIntent's metadata is copied to the charge it creates; session metadata is not.
    public static JsonObject Charge(StripeSession s, StripePayment p)
    {
        var r = s.Request;
        var captured = p.Succeeded ? r.AmountTotal : 0;
        return new JsonObject
        {
            ["id"] = p.ChargeId,
            ["object"] = "charge",
            ["amount"] = r.AmountTotal,
            ["amount_captured"] = captured,
            ["amount_refunded"] = p.AmountRefunded,
            ["billing_details"] = new JsonObject { ["email"] = r.CustomerEmail, ["name"] = null, ["phone"] = null },
            ["captured"] = p.Succeeded,
            ["created"] = p.Created.ToUnixTimeSeconds(),
            ["currency"] = r.Currency,
            ["description"] = r.PaymentIntentDescription,
            ["disputed"] = p.Dispute is not null,
            ["livemode"] = false,
            ["metadata"] = Map(r.PaymentIntentMetadata),
            ["paid"] = p.Succeeded,
            ["payment_intent"] = p.PaymentIntentId,
            ["payment_method_details"] = new JsonObject
            {
                ["card"] = new JsonObject { ["brand"] = "visa", ["exp_month"] = 12, ["exp_year"] = 2034, ["last4"] = "4242" },
                ["type"] = "card",
            },
            ["refunded"] = p.AmountRefunded >= r.AmountTotal,
            ["status"] = p.Failed ? "failed" : p.Succeeded ? "succeeded" : "pending",
        };
    }

    public static JsonObject Refund(StripeRefund refund, StripeSession s, StripePayment p) => new()
    {
        ["id"] = refund.Id,
        ["object"] = "refund",
        ["amount"] = refund.Amount,
        ["charge"] = p.ChargeId,
        ["created"] = refund.Created.ToUnixTimeSeconds(),
        ["currency"] = s.Request.Currency,
        ["metadata"] = Map(refund.Metadata),
        ["payment_intent"] = p.PaymentIntentId,
        ["reason"] = refund.Reason,
        ["status"] = "succeeded",
    };

    public static JsonObject Dispute(StripeDispute dispute, StripeSession s, StripePayment p) => new()
    {
        ["id"] = dispute.Id,
        ["object"] = "dispute",
        ["amount"] = dispute.Amount,
        ["charge"] = p.ChargeId,
        ["created"] = dispute.Created.ToUnixTimeSeconds(),
        ["currency"] = s.Request.Currency,
        ["is_charge_refundable"] = false,
        ["livemode"] = false,
        ["metadata"] = new JsonObject(),
        ["payment_intent"] = p.PaymentIntentId,
        ["reason"] = "fraudulent",
        ["status"] = dispute.Status,
    };

    public static JsonObject List(IEnumerable<JsonObject> data, string url) => new()
    {
        ["object"] = "list",
        ["data"] = new JsonArray([.. data]),
        ["has_more"] = false,
        ["url"] = url,
    };

    private static JsonObject Map(IReadOnlyDictionary<string, string> values)
    {
        var map = new JsonObject();
        foreach (var (key, value) in values)
        {
            map[key] = value;
        }
        return map;
    }
}
