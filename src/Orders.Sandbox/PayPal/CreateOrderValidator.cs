using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Orders.Sandbox.PayPal;

internal readonly record struct Money(string Currency, decimal Value)
{
    // The currencies PayPal accepts for payments; HUF, JPY and TWD take no decimals.
    private static readonly FrozenSet<string> Supported = FrozenSet.Create(StringComparer.Ordinal,
        "AUD", "BRL", "CAD", "CNY", "CZK", "DKK", "EUR", "HKD", "HUF", "ILS", "JPY", "MYR", "MXN",
        "TWD", "NZD", "NOK", "PHP", "PLN", "GBP", "SGD", "SEK", "CHF", "THB", "USD");

    public static bool IsSupported(string currency) => Supported.Contains(currency);

    public static int Decimals(string currency) => currency is "HUF" or "JPY" or "TWD" ? 0 : 2;

    public string Text => Value.ToString(Decimals(Currency) == 0 ? "F0" : "F2", CultureInfo.InvariantCulture);

    // A made-up but plausible fee (3.49 % + fixed part), so that net differs from gross as it does at PayPal.
    public Money Fee => this with
    {
        Value = Math.Min(Value, Math.Round(Value * 0.0349m, Decimals(Currency), MidpointRounding.AwayFromZero) + (Decimals(Currency) == 0 ? 49m : 0.49m)),
    };

    public JsonObject ToJson() => new() { ["currency_code"] = Currency, ["value"] = Text };

    public override string ToString() => $"{Text} {Currency}";
}

internal sealed record ValidatedItem(string Name, long Quantity, Money UnitAmount, Money? Tax, string? Description);

internal sealed record ValidatedUnit(
    string ReferenceId, Money Amount, string? Description, string? CustomId, string? InvoiceId, string Pointer, IReadOnlyList<ValidatedItem> Items);

internal sealed record ValidatedOrder(
    string Intent, IReadOnlyList<ValidatedUnit> Units, JsonArray PurchaseUnits, bool PayerActionFlow, bool HasPayPalSource,
    string? ReturnUrl, string? CancelUrl, string? BrandName);

// POST /v2/payments/captures/{id}/refund: every field is optional; no amount means "refund the rest".
internal sealed record RefundRequest(Money? Amount, string? InvoiceId, string? NoteToPayer);

// Validates request bodies the way PayPal does, for the fields a PayPal-wallet checkout uses:
// schema problems (400 INVALID_REQUEST) are reported before business rules (422
// UNPROCESSABLE_ENTITY), every problem with a JSON pointer.
internal sealed partial class CreateOrderValidator
{
    // amount.value must be the sum of these breakdown parts, each with its sign (AMOUNT_MISMATCH).
    private static readonly (string Part, int Sign)[] Breakdown =
        [("item_total", 1), ("tax_total", 1), ("shipping", 1), ("handling", 1), ("insurance", 1), ("shipping_discount", -1), ("discount", -1)];

    // A breakdown total that the items' parts (× quantity) must add up to: X_REQUIRED when missing, X_MISMATCH when off.
    private static readonly (string Total, string Issue, Func<ValidatedItem, Money?> Of)[] ItemSums =
        [("item_total", "ITEM_TOTAL", i => i.UnitAmount), ("tax_total", "TAX_TOTAL", i => i.Tax)];

    // Enumerated context fields (400 INVALID_PARAMETER_VALUE); Legacy: only in application_context (true), only in experience_context (false).
    private static readonly (string Field, bool? Legacy, string[] Allowed)[] ContextEnums =
    [
        ("shipping_preference", null, ["GET_FROM_FILE", "NO_SHIPPING", "SET_PROVIDED_ADDRESS"]),
        ("user_action", null, ["CONTINUE", "PAY_NOW"]),
        ("landing_page", true, ["LOGIN", "BILLING", "NO_PREFERENCE"]),
        ("landing_page", false, ["LOGIN", "GUEST_CHECKOUT", "NO_PREFERENCE"]),
        ("payment_method_preference", false, ["UNRESTRICTED", "IMMEDIATE_PAYMENT_REQUIRED"]),
    ];

    private readonly List<PayPalIssue> schema = [];
    private readonly List<PayPalIssue> business = [];

    public static (ValidatedOrder? Order, PayPalFailure? Failure) Validate(JsonNode? body)
    {
        var validator = new CreateOrderValidator();
        var order = body is JsonObject root ? validator.ReadOrder(root) : null;
        var failure = validator.Failure("orders/v2");
        return failure is null && order is not null ? (order, null) : (null, failure ?? PayPalErrors.MalformedJson());
    }

    public static (RefundRequest? Request, PayPalFailure? Failure) ValidateRefund(JsonNode? body)
    {
        if (body is null)
        {
            return (new RefundRequest(null, null, null), null);
        }
        if (body is not JsonObject root)
        {
            return (null, PayPalErrors.MalformedJson("payments/v2"));
        }
        var v = new CreateOrderValidator();
        var request = new RefundRequest(v.Amount(root["amount"], "/amount", required: false), v.Text(root, "invoice_id", "/invoice_id", 127), v.Text(root, "note_to_payer", "/note_to_payer", 255));
        v.Text(root, "custom_id", "/custom_id", 127);
        return v.Failure("payments/v2") is { } failure ? (null, failure) : (request, null);
    }

    private PayPalFailure? Failure(string api) =>
        schema.Count > 0 ? PayPalErrors.InvalidRequest(schema, api) : business.Count > 0 ? PayPalErrors.Unprocessable(business, api) : null;

    private ValidatedOrder? ReadOrder(JsonObject root)
    {
        var intent = OneOf(root, "intent", "/intent", ["CAPTURE", "AUTHORIZE"], required: true);
        var source = Object(root, "payment_source", "/payment_source");
        foreach (var (name, _) in source ?? [])
        {
            if (name != "paypal")
            {
                business.Add(PayPalErrors.Issue("PAYMENT_SOURCE_NOT_SUPPORTED", "/payment_source/" + name));
            }
        }
        var paypal = source is null ? null : Object(source, "paypal", "/payment_source/paypal");
        var experience = paypal is null ? null : Object(paypal, "experience_context", "/payment_source/paypal/experience_context");
        var legacy = Object(root, "application_context", "/application_context");
        var fromExperience = experience is null ? null : ReadContext(experience, "/payment_source/paypal/experience_context", legacy: false);
        var fromLegacy = legacy is null ? null : ReadContext(legacy, "/application_context", legacy: true);

        if (root["purchase_units"] is not JsonArray { Count: > 0 and <= 10 } sent)
        {
            schema.Add(PayPalErrors.Issue(root["purchase_units"] switch
            {
                null => "MISSING_REQUIRED_PARAMETER",
                JsonArray { Count: 0 } => "INVALID_ARRAY_MIN_ITEMS",
                JsonArray => "INVALID_ARRAY_MAX_ITEMS",
                _ => "INVALID_PARAMETER_SYNTAX",
            }, "/purchase_units"));
            return null;
        }
        List<ValidatedUnit> units = [];
        for (var i = 0; i < sent.Count; i++)
        {
            if (ReadUnit(sent[i], i, sent.Count) is { } unit)
            {
                if (units.Any(u => u.ReferenceId == unit.ReferenceId))
                {
                    business.Add(PayPalErrors.Issue("DUPLICATE_REFERENCE_ID", unit.Pointer + "/reference_id", unit.ReferenceId));
                }
                units.Add(unit);
            }
        }
        if (units.Select(u => u.Amount.Currency).Distinct(StringComparer.Ordinal).Count() > 1)
        {
            business.Add(PayPalErrors.Issue("MULTI_CURRENCY_ORDER", "/purchase_units"));
        }
        if (intent is null || units.Count != sent.Count)
        {
            return null;
        }
        // Echoed back as sent (PayPal adds reference_id "default" to a single unnamed unit).
        var echoed = new JsonArray([.. units.Select((u, i) =>
        {
            var copy = (JsonObject)sent[i]!.DeepClone();
            copy["reference_id"] = u.ReferenceId;
            return copy;
        })]);
        return new ValidatedOrder(intent, units, echoed, experience is not null, paypal is not null,
            fromExperience?.ReturnUrl ?? fromLegacy?.ReturnUrl, fromExperience?.CancelUrl ?? fromLegacy?.CancelUrl, fromExperience?.BrandName ?? fromLegacy?.BrandName);
    }

    private sealed record Context(string? ReturnUrl, string? CancelUrl, string? BrandName);

    private Context ReadContext(JsonObject context, string path, bool legacy)
    {
        foreach (var (field, _, allowed) in ContextEnums.Where(e => e.Legacy is null || e.Legacy == legacy))
        {
            OneOf(context, field, $"{path}/{field}", allowed);
        }
        if (Text(context, "locale", path + "/locale", 10) is { } locale && !LocalePattern().IsMatch(locale))
        {
            schema.Add(PayPalErrors.Issue("INVALID_PARAMETER_SYNTAX", path + "/locale", locale));
        }
        return new Context(Url(context, "return_url", path + "/return_url"), Url(context, "cancel_url", path + "/cancel_url"), Text(context, "brand_name", path + "/brand_name", 127));
    }

    private ValidatedUnit? ReadUnit(JsonNode? node, int index, int count)
    {
        var indexPath = "/purchase_units/" + index.ToString(CultureInfo.InvariantCulture);
        if (node is not JsonObject unit)
        {
            schema.Add(PayPalErrors.Issue("INVALID_PARAMETER_SYNTAX", indexPath));
            return null;
        }
        var problemsBefore = schema.Count + business.Count;
        var referenceId = Text(unit, "reference_id", indexPath + "/reference_id", 256);
        if (referenceId is null && count > 1)
        {
            business.Add(PayPalErrors.Issue("REFERENCE_ID_REQUIRED", indexPath + "/reference_id"));
        }
        // PayPal names a single unit without reference_id "default", and points at units by reference_id.
        referenceId ??= count == 1 ? "default" : index.ToString(CultureInfo.InvariantCulture);
        var path = $"/purchase_units/@reference_id=='{referenceId}'";
        var amount = Amount(unit["amount"], path + "/amount", required: true);
        var sentBreakdown = unit["amount"] is JsonObject sentAmount ? Object(sentAmount, "breakdown", path + "/amount/breakdown") : null;
        var breakdown = Breakdown.Select(b => (b.Part, Money: sentBreakdown is null ? null : Amount(sentBreakdown[b.Part], $"{path}/amount/breakdown/{b.Part}", required: false, allowZero: true)))
            .Where(p => p.Money is not null).ToDictionary(p => p.Part, p => p.Money!.Value, StringComparer.Ordinal);
        List<ValidatedItem> items = [];
        var sentItems = unit["items"] as JsonArray ?? [];
        for (var i = 0; i < sentItems.Count; i++)
        {
            var itemPath = $"{path}/items/{i.ToString(CultureInfo.InvariantCulture)}";
            var item = sentItems[i] as JsonObject ?? [];
            var name = Text(item, "name", itemPath + "/name", 127, required: true);
            var quantity = Text(item, "quantity", itemPath + "/quantity", 10, required: true);
            var price = Amount(item["unit_amount"], itemPath + "/unit_amount", required: true, allowZero: true);
            var tax = Amount(item["tax"], itemPath + "/tax", required: false, allowZero: true);
            Text(item, "sku", itemPath + "/sku", 127);
            OneOf(item, "category", itemPath + "/category", ["DIGITAL_GOODS", "PHYSICAL_GOODS", "DONATION"]);
            if (quantity is not null && !QuantityPattern().IsMatch(quantity))
            {
                schema.Add(PayPalErrors.Issue("INVALID_PARAMETER_SYNTAX", itemPath + "/quantity", quantity));
            }
            else if (name is not null && quantity is not null && price is { } unitAmount)
            {
                items.Add(new ValidatedItem(name, long.Parse(quantity, CultureInfo.InvariantCulture), unitAmount, tax, Text(item, "description", itemPath + "/description", 2048)));
            }
        }
        var description = Text(unit, "description", path + "/description", 127);
        var customId = Text(unit, "custom_id", path + "/custom_id", 127);
        var invoiceId = Text(unit, "invoice_id", path + "/invoice_id", 127);
        Text(unit, "soft_descriptor", path + "/soft_descriptor", 22);
        if (amount is not { } total || schema.Count + business.Count > problemsBefore)
        {
            return null;
        }
        CheckTotals(total, breakdown, sentBreakdown is not null, items, path);
        return new ValidatedUnit(referenceId, total, description, customId, invoiceId, path, items);
    }

    private void CheckTotals(Money total, Dictionary<string, Money> breakdown, bool hasBreakdown, List<ValidatedItem> items, string path)
    {
        var foreign = breakdown.Select(p => (Path: $"{path}/amount/breakdown/{p.Key}", Money: p.Value))
            .Concat(items.Select((item, i) => (Path: $"{path}/items/{i.ToString(CultureInfo.InvariantCulture)}/unit_amount", Money: item.UnitAmount)))
            .Concat(items.Select((item, i) => (Path: $"{path}/items/{i.ToString(CultureInfo.InvariantCulture)}/tax", Money: item.Tax ?? total)))
            .Where(p => p.Money.Currency != total.Currency).ToList();
        foreach (var (moneyPath, money) in foreign)
        {
            business.Add(PayPalErrors.Issue("MULTI_CURRENCY_ORDER", moneyPath + "/currency_code", money.Currency));
        }
        if (foreign.Count > 0)
        {
            return;
        }
        foreach (var (name, issue, of) in ItemSums.Where(s => items.Any(i => s.Of(i) is not null)))
        {
            var sum = items.Sum(i => (of(i)?.Value ?? 0) * i.Quantity);
            if (!breakdown.TryGetValue(name, out var declared))
            {
                business.Add(PayPalErrors.Issue(issue + "_REQUIRED", $"{path}/amount/breakdown/{name}"));
            }
            else if (declared.Value != sum)
            {
                business.Add(PayPalErrors.Issue(issue + "_MISMATCH", $"{path}/amount/breakdown/{name}", declared.Text));
            }
        }
        if (hasBreakdown && Breakdown.Sum(b => b.Sign * (breakdown.TryGetValue(b.Part, out var part) ? part.Value : 0)) != total.Value)
        {
            business.Add(PayPalErrors.Issue("AMOUNT_MISMATCH", path + "/amount/value", total.Text));
        }
    }

    private Money? Amount(JsonNode? node, string path, bool required, bool allowZero = false)
    {
        if (node is not JsonObject money)
        {
            if (node is not null || required)
            {
                schema.Add(PayPalErrors.Issue(node is null ? "MISSING_REQUIRED_PARAMETER" : "INVALID_PARAMETER_SYNTAX", path));
            }
            return null;
        }
        var currency = Text(money, "currency_code", path + "/currency_code", 3, required: true);
        var text = Text(money, "value", path + "/value", 32, required: true);
        if (currency is null || text is null)
        {
            return null;
        }
        if (currency.Length != 3 || !ValuePattern().IsMatch(text))
        {
            schema.Add(currency.Length != 3
                ? PayPalErrors.Issue("INVALID_STRING_LENGTH", path + "/currency_code", currency)
                : PayPalErrors.Issue("INVALID_PARAMETER_SYNTAX", path + "/value", text));
            return null;
        }
        var value = decimal.Parse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        var issue = !Money.IsSupported(currency) ? ("INVALID_CURRENCY_CODE", "/currency_code", currency)
            : Math.Abs(value) > 999_999_999_999_999.99m ? ("MAX_VALUE_EXCEEDED", "/value", text)
            : value.Scale > Money.Decimals(currency) ? ("DECIMAL_PRECISION", "/value", text)
            : value < 0 || (value == 0 && !allowZero) ? (allowZero ? "CANNOT_BE_NEGATIVE" : "CANNOT_BE_ZERO_OR_NEGATIVE", "/value", text)
            : default((string, string, string)?);
        if (issue is var (name, field, shown))
        {
            business.Add(PayPalErrors.Issue(name, path + field, shown));
            return null;
        }
        return new Money(currency, value);
    }

    private string? OneOf(JsonObject parent, string name, string path, string[] allowed, bool required = false)
    {
        var text = Text(parent, name, path, 255, required);
        if (text is not null && !allowed.Contains(text, StringComparer.Ordinal))
        {
            schema.Add(PayPalErrors.Issue("INVALID_PARAMETER_VALUE", path, text));
            return null;
        }
        return text;
    }

    private string? Url(JsonObject parent, string name, string path)
    {
        var text = Text(parent, name, path, 4000);
        if (text is not null && !(Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            schema.Add(PayPalErrors.Issue("INVALID_PARAMETER_SYNTAX", path, text));
            return null;
        }
        return text;
    }

    private JsonObject? Object(JsonObject parent, string name, string path)
    {
        if (parent[name] is not (null or JsonObject))
        {
            schema.Add(PayPalErrors.Issue("INVALID_PARAMETER_SYNTAX", path));
        }
        return parent[name] as JsonObject;
    }

    // A JSON null counts as absent; any other non-string is a schema violation.
    private string? Text(JsonObject parent, string name, string path, int maxLength, bool required = false)
    {
        var node = parent[name];
        if (node is null || node.GetValueKind() != JsonValueKind.String)
        {
            if (node is not null || required)
            {
                schema.Add(PayPalErrors.Issue(node is null ? "MISSING_REQUIRED_PARAMETER" : "INVALID_PARAMETER_SYNTAX", path));
            }
            return null;
        }
        var text = node.GetValue<string>();
        if (text.Length == 0 || text.Length > maxLength)
        {
            schema.Add(PayPalErrors.Issue("INVALID_STRING_LENGTH", path, text.Length > 256 ? null : text));
            return null;
        }
        return text;
    }

    [GeneratedRegex(@"^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$", RegexOptions.CultureInvariant)]
    private static partial Regex ValuePattern();

    [GeneratedRegex("^[1-9][0-9]{0,9}$", RegexOptions.CultureInvariant)]
    private static partial Regex QuantityPattern();

    // BCP-47 as PayPal's schema writes it: language, optional script, optional region.
    [GeneratedRegex("^[a-z]{2}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|[0-9]{3}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex LocalePattern();
}
