using System.Text.Json.Nodes;

using Orders.Sandbox.Template;

namespace Orders.Sandbox.PayPal;

// PayPal's JSON for orders, captures and refunds. Callers hold the order's Gate. Every call builds
// new nodes (a JsonNode can only have one parent), so results can be stored and sent independently.
internal sealed class PayPalRepresentations(SandboxUrls<PayPalSandboxOptions> urls, PayPalSandboxAccounts accounts)
{
    public JsonObject Order(PayPalOrder order)
    {
        var json = new JsonObject
        {
            ["id"] = order.Id,
            ["intent"] = order.Intent,
            ["status"] = order.Status,
        };
        if (PaymentSource(order) is { } source)
        {
            json["payment_source"] = source;
        }
        var units = new JsonArray();
        for (var i = 0; i < order.Request.PurchaseUnits.Count; i++)
        {
            var unit = (JsonObject)order.Request.PurchaseUnits[i]!.DeepClone();
            unit["payee"] = new JsonObject { ["email_address"] = accounts.MerchantEmail, ["merchant_id"] = accounts.MerchantId };
            if (Payments(order, i) is { } payments)
            {
                unit["payments"] = payments;
            }
            units.Add(unit);
        }
        json["purchase_units"] = units;
        if (order.Approved)
        {
            json["payer"] = Payer();
        }
        json["create_time"] = PayPalJson.Time(order.CreateTime);
        if (order.UpdateTime != order.CreateTime)
        {
            json["update_time"] = PayPalJson.Time(order.UpdateTime);
        }
        json["links"] = OrderLinks(order);
        return json;
    }

    // Prefer: return=minimal (PayPal's default) for create.
    public JsonObject OrderMinimal(PayPalOrder order)
    {
        var json = new JsonObject { ["id"] = order.Id, ["status"] = order.Status };
        if (PaymentSource(order) is { } source)
        {
            json["payment_source"] = source;
        }
        json["links"] = OrderLinks(order);
        return json;
    }

    // The minimal capture answer still carries the captures: that is where the capture id and status are.
    public JsonObject CaptureMinimal(PayPalOrder order)
    {
        var json = new JsonObject { ["id"] = order.Id, ["status"] = order.Status };
        if (PaymentSource(order) is { } source)
        {
            json["payment_source"] = source;
        }
        var units = new JsonArray();
        for (var i = 0; i < order.Request.Units.Count; i++)
        {
            units.Add(new JsonObject { ["reference_id"] = order.Request.Units[i].ReferenceId, ["payments"] = Payments(order, i) });
        }
        json["purchase_units"] = units;
        json["payer"] = Payer();
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
