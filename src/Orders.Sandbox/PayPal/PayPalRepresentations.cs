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

    public JsonObject Capture(PayPalCapture capture)
    {
        var json = new JsonObject
        {
            ["id"] = capture.Id,
            ["status"] = capture.Status,
        };
        if (capture.StatusReason is { } reason)
        {
            json["status_details"] = new JsonObject { ["reason"] = reason };
        }
        json["amount"] = capture.Amount.ToJson();
        json["final_capture"] = true;
        json["seller_protection"] = new JsonObject
        {
            ["status"] = "ELIGIBLE",
            ["dispute_categories"] = new JsonArray("ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"),
        };
        if (capture.Status != "DECLINED")
        {
            json["seller_receivable_breakdown"] = new JsonObject
            {
                ["gross_amount"] = capture.Amount.ToJson(),
                ["paypal_fee"] = capture.Fee.ToJson(),
                ["net_amount"] = (capture.Amount with { Value = capture.Amount.Value - capture.Fee.Value }).ToJson(),
            };
        }
        json.SetIfNotNull("custom_id", capture.Unit.CustomId);
        json.SetIfNotNull("invoice_id", capture.Unit.InvoiceId);
        json["links"] = new JsonArray(
            PayPalJson.Link(urls.Capture(capture.Id), "self", "GET"),
            PayPalJson.Link(urls.Capture(capture.Id) + "/refund", "refund", "POST"),
            PayPalJson.Link(urls.Order(capture.Order.Id), "up", "GET"));
        json["create_time"] = PayPalJson.Time(capture.CreateTime);
        json["update_time"] = PayPalJson.Time(capture.UpdateTime);
        return json;
    }

    // PAYMENT.CAPTURE.* events carry the capture plus the order it belongs to.
    public JsonObject CaptureEventResource(PayPalCapture capture)
    {
        var json = Capture(capture);
        json["supplementary_data"] = new JsonObject
        {
            ["related_ids"] = new JsonObject { ["order_id"] = capture.Order.Id },
        };
        return json;
    }

    public JsonObject Refund(PayPalRefund refund)
    {
        var capture = refund.Capture;
        var json = new JsonObject
        {
            ["id"] = refund.Id,
            ["amount"] = refund.Amount.ToJson(),
            ["status"] = "COMPLETED",
        };
        json.SetIfNotNull("note_to_payer", refund.NoteToPayer);
        json["seller_payable_breakdown"] = new JsonObject
        {
            ["gross_amount"] = refund.Amount.ToJson(),
            ["paypal_fee"] = (refund.Amount with { Value = 0 }).ToJson(),
            ["net_amount"] = refund.Amount.ToJson(),
            ["total_refunded_amount"] = (refund.Amount with { Value = capture.Refunds.TakeWhile(r => !ReferenceEquals(r, refund)).Sum(r => r.Amount.Value) + refund.Amount.Value }).ToJson(),
        };
        json.SetIfNotNull("custom_id", capture.Unit.CustomId);
        json.SetIfNotNull("invoice_id", refund.InvoiceId ?? capture.Unit.InvoiceId);
        json["links"] = new JsonArray(
            PayPalJson.Link(urls.Refund(refund.Id), "self", "GET"),
            PayPalJson.Link(urls.Capture(capture.Id), "up", "GET"));
        json["create_time"] = PayPalJson.Time(refund.CreateTime);
        json["update_time"] = PayPalJson.Time(refund.CreateTime);
        return json;
    }

    // Prefer: return=minimal for refunds.
    public JsonObject RefundMinimal(PayPalRefund refund) => new()
    {
        ["id"] = refund.Id,
        ["status"] = "COMPLETED",
        ["amount"] = refund.Amount.ToJson(),
        ["links"] = new JsonArray(
            PayPalJson.Link(urls.Refund(refund.Id), "self", "GET"),
            PayPalJson.Link(urls.Capture(refund.Capture.Id), "up", "GET")),
    };

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

    private JsonObject? PaymentSource(PayPalOrder order)
    {
        if (order.Approved)
        {
            return new JsonObject
            {
                ["paypal"] = new JsonObject
                {
                    ["email_address"] = accounts.PayerEmail,
                    ["account_id"] = accounts.PayerId,
                    ["account_status"] = "VERIFIED",
                    ["name"] = new JsonObject { ["given_name"] = accounts.PayerGivenName, ["surname"] = accounts.PayerSurname },
                    ["address"] = new JsonObject { ["country_code"] = accounts.PayerCountry },
                },
            };
        }
        return order.Request.HasPayPalSource ? new JsonObject { ["paypal"] = new JsonObject() } : null;
    }

    private JsonObject Payer() => new()
    {
        ["name"] = new JsonObject { ["given_name"] = accounts.PayerGivenName, ["surname"] = accounts.PayerSurname },
        ["email_address"] = accounts.PayerEmail,
        ["payer_id"] = accounts.PayerId,
        ["address"] = new JsonObject { ["country_code"] = accounts.PayerCountry },
    };

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
