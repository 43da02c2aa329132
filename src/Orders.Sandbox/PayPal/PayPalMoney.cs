using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Orders.Sandbox.PayPal;

internal readonly record struct Money(string Currency, decimal Value)
{
    public string Text => PayPalMoney.Format(Value, Currency);

    public JsonObject ToJson() => PayPalMoney.Json(Currency, Value);

    public override string ToString() => $"{Text} {Currency}";
}

internal static partial class PayPalMoney
{
    // The currencies PayPal accepts for payments; HUF, JPY and TWD take no decimals.
    private static readonly FrozenSet<string> Supported = FrozenSet.Create(StringComparer.Ordinal,
        "AUD", "BRL", "CAD", "CNY", "CZK", "DKK", "EUR", "HKD", "HUF", "ILS", "JPY", "MYR", "MXN",
        "TWD", "NZD", "NOK", "PHP", "PLN", "GBP", "SGD", "SEK", "CHF", "THB", "USD");

    private static readonly FrozenSet<string> WithoutDecimals = FrozenSet.Create(StringComparer.Ordinal, "HUF", "JPY", "TWD");

    [GeneratedRegex(@"^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$", RegexOptions.CultureInvariant)]
    public static partial Regex ValuePattern();

    public static bool IsSupported(string currency) => Supported.Contains(currency);

    public static int Decimals(string currency) => WithoutDecimals.Contains(currency) ? 0 : 2;

    public static bool TryParse(string text, out decimal value) =>
        decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);

    public static string Format(decimal value, string currency) =>
        value.ToString(Decimals(currency) == 0 ? "F0" : "F2", CultureInfo.InvariantCulture);

    public static JsonObject Json(string currency, decimal value) =>
        new() { ["currency_code"] = currency, ["value"] = Format(value, currency) };

    // A made-up but plausible fee (3.49 % + fixed part), so that net differs from gross as it does at PayPal.
    public static decimal Fee(decimal gross, string currency)
    {
        var decimals = Decimals(currency);
        var fixedPart = decimals == 0 ? 49m : 0.49m;
        var fee = Math.Round(gross * 0.0349m, decimals, MidpointRounding.AwayFromZero) + fixedPart;
        return Math.Min(fee, gross);
    }
}
