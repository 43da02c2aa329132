using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Orders.Sandbox.PayPal;

// Field checks shared by the request validators. Schema problems (PayPal answers 400 INVALID_REQUEST)
// and business-rule problems (422 UNPROCESSABLE_ENTITY) are collected separately, each with a JSON pointer.
internal sealed partial class PayPalRequestReader
{
    public List<PayPalIssue> Schema { get; } = [];

    public List<PayPalIssue> Business { get; } = [];

    public int ProblemCount => Schema.Count + Business.Count;

    // Schema problems are reported before business ones, as PayPal does.
    public PayPalFailure? Failure(string api) =>
        Schema.Count > 0 ? PayPalErrors.InvalidRequest(Schema, api)
        : Business.Count > 0 ? PayPalErrors.Unprocessable(Business, api)
        : null;

    [GeneratedRegex("^[1-9][0-9]{0,9}$", RegexOptions.CultureInvariant)]
    private static partial Regex QuantityPattern();

    public Money? ReadMoney(JsonNode? node, string path, bool required, bool allowZero)
    {
        if (node is null)
        {
            if (required)
            {
                Schema.Add(PayPalErrors.Issue("MISSING_REQUIRED_PARAMETER", path));
            }
            return null;
        }
        if (node is not JsonObject money)
        {
            Schema.Add(PayPalErrors.Issue("INVALID_PARAMETER_SYNTAX", path));
            return null;
        }
        var currency = Text(money, "currency_code", path + "/currency_code", 3, required: true);
        var text = Text(money, "value", path + "/value", 32, required: true);
        if (currency is null || text is null)
        {
            return null;
        }
        if (currency.Length != 3)
        {
            Schema.Add(PayPalErrors.Issue("INVALID_STRING_LENGTH", path + "/currency_code", currency));
            return null;
        }
        if (!PayPalMoney.ValuePattern().IsMatch(text))
        {
            Schema.Add(PayPalErrors.Issue("INVALID_PARAMETER_SYNTAX", path + "/value", text));
            return null;
        }
        if (!PayPalMoney.IsSupported(currency))
        {
            Business.Add(PayPalErrors.Issue("INVALID_CURRENCY_CODE", path + "/currency_code", currency));
            return null;
        }
        if (!PayPalMoney.TryParse(text, out var value) || Math.Abs(value) > 999_999_999_999_999.99m)
        {
            Business.Add(PayPalErrors.Issue("MAX_VALUE_EXCEEDED", path + "/value", text));
            return null;
        }
        if (value.Scale > PayPalMoney.Decimals(currency))
        {
            Business.Add(PayPalErrors.Issue("DECIMAL_PRECISION", path + "/value", text));
            return null;
        }
        if (value < 0 || (value == 0 && !allowZero))
        {
            Business.Add(PayPalErrors.Issue(allowZero ? "CANNOT_BE_NEGATIVE" : "CANNOT_BE_ZERO_OR_NEGATIVE", path + "/value", text));
            return null;
        }
        return new Money(currency, value);
    }

    public long? Quantity(JsonObject item, string path)
    {
        var text = Text(item, "quantity", path, 10, required: true);
        if (text is null)
        {
            return null;
        }
        if (!QuantityPattern().IsMatch(text))
        {
            Schema.Add(PayPalErrors.Issue("INVALID_PARAMETER_SYNTAX", path, text));
            return null;
        }
        return long.Parse(text, CultureInfo.InvariantCulture);
    }

    public string? Url(JsonObject parent, string name, string path)
    {
        var text = Text(parent, name, path, 4000);
        if (text is null)
        {
            return null;
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            Schema.Add(PayPalErrors.Issue("INVALID_PARAMETER_SYNTAX", path, text));
            return null;
        }
        return text;
    }

    public string? OneOf(JsonObject parent, string name, string path, bool required, params string[] allowed)
    {
        var text = Text(parent, name, path, 255, required);
        if (text is not null && !allowed.Contains(text, StringComparer.Ordinal))
        {
            Schema.Add(PayPalErrors.Issue("INVALID_PARAMETER_VALUE", path, text));
            return null;
        }
        return text;
    }

    // A JSON null counts as absent; any other non-string is a schema violation.
    public string? Text(JsonObject parent, string name, string path, int maxLength, bool required = false)
    {
        var node = parent[name];
        if (node is null)
        {
            if (required)
            {
                Schema.Add(PayPalErrors.Issue("MISSING_REQUIRED_PARAMETER", path));
            }
            return null;
        }
        if (node.GetValueKind() != JsonValueKind.String)
        {
            Schema.Add(PayPalErrors.Issue("INVALID_PARAMETER_SYNTAX", path));
            return null;
        }
        var text = node.GetValue<string>();
        if (text.Length == 0 || text.Length > maxLength)
        {
            Schema.Add(PayPalErrors.Issue("INVALID_STRING_LENGTH", path, text.Length > 256 ? null : text));
            return null;
        }
        return text;
    }
}
