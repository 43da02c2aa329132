using System.Text.Json;
using System.Text.Json.Nodes;
using Orders.Sandbox.Template;

namespace Orders.Sandbox.PayPal;

// PayPal's JSON for orders, captures and refunds. Callers hold the order's Gate. Every call builds
// new nodes (a JsonNode can only have one parent), so results can be stored and sent independently.
internal sealed class PayPalRepresentations(SandboxUrls<PayPalSandboxOptions> urls, PayPalSandboxAccounts accounts)
{
    public JsonObject Order(PayPalOrder order)
    {
        var json = Head(order);
        json["intent"] = order.Intent;
        json.Move("payment_source");
        json["purchase_units"] = new JsonArray([.. order.Request.PurchaseUnits.Select((sent, i) =>
        {
            var unit = (JsonObject)sent!.DeepClone();
            unit["payee"] = new JsonObject { ["email_address"] = accounts.MerchantEmail, ["merchant_id"] = accounts.MerchantId };
            unit.SetIfNotNull("payments", Payments(order, i));
            return unit;
        })]);
        json.SetIfNotNull("payer", order.Approved ? Payer() : null);
        json["create_time"] = PayPalJson.Time(order.CreateTime);
        json.SetIfNotNull("update_time", order.UpdateTime != order.CreateTime ? PayPalJson.Time(order.UpdateTime) : null);
        json.Move("links");
        return json;
    }

    // Prefer: return=minimal (PayPal's default) for create.
    public JsonObject OrderMinimal(PayPalOrder order) => Head(order);

    // The minimal capture answer still carries the captures: that is where the capture id and status are.
    public JsonObject CaptureMinimal(PayPalOrder order)
    {
        var json = Head(order);
        json["purchase_units"] = new JsonArray([.. order.Request.Units.Select((u, i) => new JsonObject { ["reference_id"] = u.ReferenceId, ["payments"] = Payments(order, i) })]);
        json["payer"] = Payer();
        json.Move("links");
        return json;
    }

    // id, status, payment_source (when there is one) and links: what every order answer starts with.
    private JsonObject Head(PayPalOrder order)
    {
        var json = new JsonObject { ["id"] = order.Id, ["status"] = order.Status };
        json.SetIfNotNull("payment_source", PaymentSource(order));
        json["links"] = OrderLinks(order);
        return json;
    }

    public JsonObject Capture(PayPalCapture capture) => Node(new CaptureJson(
        capture.Id, capture.Status, capture.StatusReason is { } reason ? new StatusDetails(reason) : null, capture.Amount.ToJson(), FinalCapture: true,
        new SellerProtection("ELIGIBLE", ["ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"]),
        capture.Status == "DECLINED" ? null : new Breakdown(capture.Amount.ToJson(), capture.Fee.ToJson(), (capture.Amount with { Value = capture.Amount.Value - capture.Fee.Value }).ToJson()),
        capture.Unit.CustomId, capture.Unit.InvoiceId,
        [new(urls.Capture(capture.Id), "self", "GET"), new(urls.Capture(capture.Id) + "/refund", "refund", "POST"), new(urls.Order(capture.Order.Id), "up", "GET")],
        PayPalJson.Time(capture.CreateTime), PayPalJson.Time(capture.UpdateTime)));

    // PAYMENT.CAPTURE.* events carry the capture plus the order it belongs to.
    public JsonObject CaptureEventResource(PayPalCapture capture)
    {
        var json = Capture(capture);
        json["supplementary_data"] = new JsonObject { ["related_ids"] = new JsonObject { ["order_id"] = capture.Order.Id } };
        return json;
    }

    public JsonObject Refund(PayPalRefund refund)
    {
        var capture = refund.Capture;
        var refundedSoFar = capture.Refunds.TakeWhile(r => !ReferenceEquals(r, refund)).Sum(r => r.Amount.Value) + refund.Amount.Value;
        return Node(new RefundJson(
            refund.Id, refund.Amount.ToJson(), "COMPLETED", refund.NoteToPayer,
            new Breakdown(refund.Amount.ToJson(), (refund.Amount with { Value = 0 }).ToJson(), refund.Amount.ToJson(), (refund.Amount with { Value = refundedSoFar }).ToJson()),
            capture.Unit.CustomId, refund.InvoiceId ?? capture.Unit.InvoiceId, RefundLinks(refund), PayPalJson.Time(refund.CreateTime), PayPalJson.Time(refund.CreateTime)));
    }

    // Prefer: return=minimal for refunds.
    public JsonObject RefundMinimal(PayPalRefund refund) =>
        Node(new RefundJson(refund.Id, refund.Amount.ToJson(), "COMPLETED", null, null, null, null, RefundLinks(refund), null, null));

    private PayPalLink[] RefundLinks(PayPalRefund refund) => [new(urls.Refund(refund.Id), "self", "GET"), new(urls.Capture(refund.Capture.Id), "up", "GET")];

    private static JsonObject Node<T>(T value) => JsonSerializer.SerializeToNode(value, SandboxJson.PayPal)!.AsObject();

    // PayPal's shapes, serialized with SandboxJson.PayPal: snake_case names, nulls left out, fields in PayPal's order.
    private sealed record StatusDetails(string Reason);

    private sealed record SellerProtection(string Status, string[] DisputeCategories);

    private sealed record Breakdown(JsonObject GrossAmount, JsonObject PaypalFee, JsonObject NetAmount, JsonObject? TotalRefundedAmount = null);

    private sealed record CaptureJson(
        string Id, string Status, StatusDetails? StatusDetails, JsonObject Amount, bool FinalCapture, SellerProtection SellerProtection,
        Breakdown? SellerReceivableBreakdown, string? CustomId, string? InvoiceId, PayPalLink[] Links, string CreateTime, string UpdateTime);

    private sealed record RefundJson(
        string Id, JsonObject Amount, string Status, string? NoteToPayer, Breakdown? SellerPayableBreakdown, string? CustomId, string? InvoiceId,
        PayPalLink[] Links, string? CreateTime, string? UpdateTime);

    private sealed record PayerName(string GivenName, string Surname);

    private sealed record PayerAddress(string CountryCode);

    private sealed record Wallet(string EmailAddress, string AccountId, string AccountStatus, PayerName Name, PayerAddress Address);

    private sealed record PaymentSourceJson(Wallet Paypal);

    private sealed record PayerJson(PayerName Name, string EmailAddress, string PayerId, PayerAddress Address);

    private JsonObject? Payments(PayPalOrder order, int unitIndex)
    {
        if (order.Captures.Count <= unitIndex)
        {
            return null;
        }
        var capture = order.Captures[unitIndex];
        var payments = new JsonObject { ["captures"] = new JsonArray(Capture(capture)) };
        var refunds = capture.Refunds.Where(r => !r.IsReversal).Select(r => (JsonNode)Refund(r)).ToArray();
        if (refunds.Length > 0)
        {
            payments["refunds"] = new JsonArray(refunds);
        }
        return payments;
    }

    private JsonObject? PaymentSource(PayPalOrder order) =>
        order.Approved ? Node(new PaymentSourceJson(new Wallet(accounts.PayerEmail, accounts.PayerId, "VERIFIED", Name, Address)))
        : order.Request.HasPayPalSource ? new JsonObject { ["paypal"] = new JsonObject() }
        : null;

    private JsonObject Payer() => Node(new PayerJson(Name, accounts.PayerEmail, accounts.PayerId, Address));

    private PayerName Name => new(accounts.PayerGivenName, accounts.PayerSurname);

    private PayerAddress Address => new(accounts.PayerCountry);

    private JsonArray OrderLinks(PayPalOrder order)
    {
        var links = new JsonArray(PayPalJson.Link(urls.Order(order.Id), "self", "GET"));
        if (order.Status is "CREATED" or "PAYER_ACTION_REQUIRED")
        {
            links.Add(PayPalJson.Link(urls.ApprovalUrl(order.Id), order.Request.PayerActionFlow ? "payer-action" : "approve", "GET"));
        }
        if (order.Status != "COMPLETED" && order.Intent == "CAPTURE")
        {
            links.Add(PayPalJson.Link(urls.Order(order.Id) + "/capture", "capture", "POST"));
        }
        return links;
    }
}
