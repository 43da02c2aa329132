using System.Globalization;
using System.Text.Json.Nodes;

namespace Orders.Sandbox.PayPal;

internal sealed record ValidatedItem(string Name, long Quantity, Money UnitAmount, string? Description);

internal sealed record ValidatedUnit(
    string ReferenceId, Money Amount, string? Description, string? CustomId, string? InvoiceId, string Pointer, IReadOnlyList<ValidatedItem> Items);

internal sealed record ValidatedOrder(
    string Intent,
    IReadOnlyList<ValidatedUnit> Units,
    JsonArray PurchaseUnits,
    bool PayerActionFlow,
    bool HasPayPalSource,
    string? ReturnUrl,
    string? CancelUrl,
    string? BrandName);

// Validates a create-order body the way PayPal does: schema problems (400 INVALID_REQUEST) are
// reported before business rules (422 UNPROCESSABLE_ENTITY), every problem with a JSON pointer.
internal sealed class CreateOrderValidator
{
    private static readonly string[] BreakdownAdditions = ["item_total", "tax_total", "shipping", "handling", "insurance"];
    private static readonly string[] BreakdownSubtractions = ["shipping_discount", "discount"];

    private readonly PayPalRequestReader reader = new();


    public static (ValidatedOrder? Order, PayPalFailure? Failure) Validate(JsonNode? body)
    {
        var validator = new CreateOrderValidator();
        var order = validator.Read(body);
        var failure = validator.reader.Failure("orders/v2");
        return failure is null && order is not null ? (order, null) : (null, failure ?? PayPalErrors.MalformedJson());
    }

    private ValidatedOrder? Read(JsonNode? body)
    {
        if (body is not JsonObject root)
        {
            reader.Schema.Add(PayPalErrors.Issue("MALFORMED_REQUEST_JSON", "/"));
            return null;
        }
        var intent = reader.OneOf(root, "intent", "/intent", required: true, "CAPTURE", "AUTHORIZE");
        var experience = ReadPaymentSource(root);
        var legacy = ReadContext(root["application_context"], "/application_context", legacy: true);
        var units = ReadPurchaseUnits(root);
        if (intent is null || units is null)
        {
            return null;
        }
        // Echoed back as sent (PayPal adds reference_id "default" to a single unnamed unit).
        var sent = (JsonArray)root["purchase_units"]!;
        var purchaseUnits = new JsonArray();
        for (var i = 0; i < units.Count; i++)
        {
            var copy = (JsonObject)sent[i]!.DeepClone();
            copy["reference_id"] = units[i].ReferenceId;
            purchaseUnits.Add(copy);
        }
        return new ValidatedOrder(
            intent,
            units,
            purchaseUnits,
            PayerActionFlow: experience.Context is not null,
            HasPayPalSource: experience.HasPayPal,
            ReturnUrl: experience.Context?.ReturnUrl ?? legacy?.ReturnUrl,
            CancelUrl: experience.Context?.CancelUrl ?? legacy?.CancelUrl,
            BrandName: experience.Context?.BrandName ?? legacy?.BrandName);
    }

    private sealed record Context(string? ReturnUrl, string? CancelUrl, string? BrandName);

    private (bool HasPayPal, Context? Context) ReadPaymentSource(JsonObject root)
    {
        switch (root["payment_source"])
        {
            case null:
                return (false, null);
            case JsonObject source:
                foreach (var (name, _) in source)
                {
                    if (name != "paypal")
                    {
                        reader.Business.Add(PayPalErrors.Issue("PAYMENT_SOURCE_NOT_SUPPORTED", "/payment_source/" + name));
                    }
                }
                switch (source["paypal"])
                {
                    case null:
                        return (false, null);
                    case JsonObject paypal:
                        return (true, ReadContext(paypal["experience_context"], "/payment_source/paypal/experience_context", legacy: false));
                    default:
                        reader.Schema.Add(PayPalErrors.Issue("INVALID_PARAMETER_SYNTAX", "/payment_source/paypal"));
                        return (false, null);
                }
            default:
                reader.Schema.Add(PayPalErrors.Issue("INVALID_PARAMETER_SYNTAX", "/payment_source"));
                return (false, null);
        }
    }

    private Context? ReadContext(JsonNode? node, string path, bool legacy)
    {
        if (node is null)
        {
            return null;
        }
        if (node is not JsonObject context)
        {
            reader.Schema.Add(PayPalErrors.Issue("INVALID_PARAMETER_SYNTAX", path));
            return null;
        }
        var brandName = reader.Text(context, "brand_name", path + "/brand_name", 127);
        reader.Text(context, "locale", path + "/locale", 10);
        reader.OneOf(context, "shipping_preference", path + "/shipping_preference", required: false, "GET_FROM_FILE", "NO_SHIPPING", "SET_PROVIDED_ADDRESS");
        reader.OneOf(context, "user_action", path + "/user_action", required: false, "CONTINUE", "PAY_NOW");
        if (legacy)
        {
            reader.OneOf(context, "landing_page", path + "/landing_page", required: false, "LOGIN", "BILLING", "NO_PREFERENCE");
        }
        else
        {
            reader.OneOf(context, "landing_page", path + "/landing_page", required: false, "LOGIN", "GUEST_CHECKOUT", "NO_PREFERENCE");
            reader.OneOf(context, "payment_method_preference", path + "/payment_method_preference", required: false, "UNRESTRICTED", "IMMEDIATE_PAYMENT_REQUIRED");
        }
        return new Context(reader.Url(context, "return_url", path + "/return_url"), reader.Url(context, "cancel_url", path + "/cancel_url"), brandName);
    }

    private List<ValidatedUnit>? ReadPurchaseUnits(JsonObject root)
    {
        switch (root["purchase_units"])
        {
            case null:
                reader.Schema.Add(PayPalErrors.Issue("MISSING_REQUIRED_PARAMETER", "/purchase_units"));
                return null;
            case JsonArray { Count: 0 }:
                reader.Schema.Add(PayPalErrors.Issue("INVALID_ARRAY_MIN_ITEMS", "/purchase_units"));
                return null;
            case JsonArray { Count: > 10 }:
                reader.Schema.Add(PayPalErrors.Issue("INVALID_ARRAY_MAX_ITEMS", "/purchase_units"));
                return null;
            case JsonArray array:
                List<ValidatedUnit> units = [];
                HashSet<string> referenceIds = new(StringComparer.Ordinal);
                for (var i = 0; i < array.Count; i++)
                {
                    if (ReadUnit(array[i], i, array.Count) is not { } unit)
                    {
                        continue;
                    }
                    if (!referenceIds.Add(unit.ReferenceId))
                    {
                        reader.Business.Add(PayPalErrors.Issue("DUPLICATE_REFERENCE_ID", unit.Pointer + "/reference_id", unit.ReferenceId));
                    }
                    units.Add(unit);
                }
                var currencies = units.Select(u => u.Amount.Currency).Distinct(StringComparer.Ordinal).Count();
                if (currencies > 1)
                {
                    reader.Business.Add(PayPalErrors.Issue("MULTI_CURRENCY_ORDER", "/purchase_units"));
                }
                return units.Count == array.Count ? units : null;
            default:
                reader.Schema.Add(PayPalErrors.Issue("INVALID_PARAMETER_SYNTAX", "/purchase_units"));
                return null;
        }
    }

    private ValidatedUnit? ReadUnit(JsonNode? node, int index, int count)
    {
        var indexPath = "/purchase_units/" + index.ToString(CultureInfo.InvariantCulture);
        if (node is not JsonObject unit)
        {
            reader.Schema.Add(PayPalErrors.Issue("INVALID_PARAMETER_SYNTAX", indexPath));
            return null;
        }
        var problemsBefore = reader.ProblemCount;
        var referenceId = reader.Text(unit, "reference_id", indexPath + "/reference_id", 256);
        if (referenceId is null && count > 1)
        {
            reader.Business.Add(PayPalErrors.Issue("REFERENCE_ID_REQUIRED", indexPath + "/reference_id"));
        }
        // PayPal names a single unit without reference_id "default", and points at units by reference_id.
        referenceId ??= count == 1 ? "default" : index.ToString(CultureInfo.InvariantCulture);
        var path = $"/purchase_units/@reference_id=='{referenceId}'";

        var amount = reader.ReadMoney(unit["amount"], path + "/amount", required: true, allowZero: false);
        var breakdown = ReadBreakdown(unit["amount"] as JsonObject, path + "/amount/breakdown");
        var items = ReadItems(unit["items"], path + "/items");
        var description = reader.Text(unit, "description", path + "/description", 127);
        var customId = reader.Text(unit, "custom_id", path + "/custom_id", 127);
        var invoiceId = reader.Text(unit, "invoice_id", path + "/invoice_id", 127);
        reader.Text(unit, "soft_descriptor", path + "/soft_descriptor", 22);

        if (amount is not { } total || reader.ProblemCount > problemsBefore)
        {
            return null;
        }
        CheckTotals(total, breakdown, items, path);
        return new ValidatedUnit(referenceId, total, description, customId, invoiceId, path, items.Select(i => i.Item).ToList());
    }

    private Dictionary<string, Money>? ReadBreakdown(JsonObject? amount, string path)
    {
        switch (amount?["breakdown"])
        {
            case null:
                return null;
            case JsonObject breakdown:
                Dictionary<string, Money> parts = new(StringComparer.Ordinal);
                foreach (var name in BreakdownAdditions.Concat(BreakdownSubtractions))
                {
                    if (reader.ReadMoney(breakdown[name], $"{path}/{name}", required: false, allowZero: true) is { } money)
                    {
                        parts[name] = money;
                    }
                }
                return parts;
            default:
                reader.Schema.Add(PayPalErrors.Issue("INVALID_PARAMETER_SYNTAX", path));
                return null;
        }
    }

    private sealed record ItemRead(ValidatedItem Item, Money? Tax, string Path);

    private List<ItemRead> ReadItems(JsonNode? node, string path)
    {
        List<ItemRead> items = [];
        if (node is null)
        {
            return items;
        }
        if (node is not JsonArray array)
        {
            reader.Schema.Add(PayPalErrors.Issue("INVALID_PARAMETER_SYNTAX", path));
            return items;
        }
        for (var i = 0; i < array.Count; i++)
        {
            var itemPath = $"{path}/{i.ToString(CultureInfo.InvariantCulture)}";
            if (array[i] is not JsonObject item)
            {
                reader.Schema.Add(PayPalErrors.Issue("INVALID_PARAMETER_SYNTAX", itemPath));
                continue;
            }
            var name = reader.Text(item, "name", itemPath + "/name", 127, required: true);
            var quantity = reader.Quantity(item, itemPath + "/quantity");
            var unitAmount = reader.ReadMoney(item["unit_amount"], itemPath + "/unit_amount", required: true, allowZero: true);
            var tax = reader.ReadMoney(item["tax"], itemPath + "/tax", required: false, allowZero: true);
            var description = reader.Text(item, "description", itemPath + "/description", 2048);
            reader.Text(item, "sku", itemPath + "/sku", 127);
            reader.OneOf(item, "category", itemPath + "/category", required: false, "DIGITAL_GOODS", "PHYSICAL_GOODS", "DONATION");
            if (name is not null && quantity is { } count && unitAmount is { } price)
            {
                items.Add(new ItemRead(new ValidatedItem(name, count, price, description), tax, itemPath));
            }
        }
        return items;
    }

    private void CheckTotals(Money amount, Dictionary<string, Money>? breakdown, List<ItemRead> items, string path)
    {
        var currency = amount.Currency;
        var moneys = (breakdown?.Select(p => (Path: $"{path}/amount/breakdown/{p.Key}", Money: p.Value)) ?? [])
            .Concat(items.Select(i => (Path: i.Path + "/unit_amount", Money: i.Item.UnitAmount)))
            .Concat(items.Where(i => i.Tax is not null).Select(i => (Path: i.Path + "/tax", Money: i.Tax!.Value)));
        var mixed = false;
        foreach (var (moneyPath, money) in moneys)
        {
            if (money.Currency != currency)
            {
                reader.Business.Add(PayPalErrors.Issue("MULTI_CURRENCY_ORDER", moneyPath + "/currency_code", money.Currency));
                mixed = true;
            }
        }
        if (mixed)
        {
            return;
        }

        if (items.Count > 0)
        {
            var itemSum = items.Sum(i => i.Item.UnitAmount.Value * i.Item.Quantity);
            if (breakdown?.GetValueOrDefault("item_total") is not { } itemTotal)
            {
                reader.Business.Add(PayPalErrors.Issue("ITEM_TOTAL_REQUIRED", path + "/amount/breakdown/item_total"));
            }
            else if (itemTotal.Value != itemSum)
            {
                reader.Business.Add(PayPalErrors.Issue("ITEM_TOTAL_MISMATCH", path + "/amount/breakdown/item_total", itemTotal.Text));
            }
        }
        var taxed = items.Where(i => i.Tax is not null).ToList();
        if (taxed.Count > 0)
        {
            var taxSum = taxed.Sum(i => i.Tax!.Value.Value * i.Item.Quantity);
            if (breakdown?.GetValueOrDefault("tax_total") is not { } taxTotal)
            {
                reader.Business.Add(PayPalErrors.Issue("TAX_TOTAL_REQUIRED", path + "/amount/breakdown/tax_total"));
            }
            else if (taxTotal.Value != taxSum)
            {
                reader.Business.Add(PayPalErrors.Issue("TAX_TOTAL_MISMATCH", path + "/amount/breakdown/tax_total", taxTotal.Text));
            }
        }
        if (breakdown is not null)
        {
            var expected = BreakdownAdditions.Sum(n => breakdown.GetValueOrDefault(n).Value)
                - BreakdownSubtractions.Sum(n => breakdown.GetValueOrDefault(n).Value);
            if (expected != amount.Value)
            {
                reader.Business.Add(PayPalErrors.Issue("AMOUNT_MISMATCH", path + "/amount/value", amount.Text));
            }
        }
    }
}
