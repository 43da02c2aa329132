using System.Collections.Frozen;
using System.Globalization;

namespace Orders.Sandbox.Avangate;

internal static class AvangateMoney
{
    public const decimal MaxUnitPrice = 1_000_000m;

    private static readonly FrozenSet<string> WithoutDecimals = FrozenSet.Create(StringComparer.Ordinal,
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF");

    private static readonly FrozenSet<string> ThreeDecimals = FrozenSet.Create(StringComparer.Ordinal, "BHD", "JOD", "KWD", "OMR", "TND");

    public static int Decimals(string currency) =>
        WithoutDecimals.Contains(currency) ? 0 : ThreeDecimals.Contains(currency) ? 3 : 2;

    public static bool IsCurrencyCode(string text) => text.Length == 3 && text.All(char.IsAsciiLetterUpper);

    // Plain digits with an optional fraction, no more decimals than the currency has (trailing zeros allowed).
    public static bool TryParse(string text, string currency, out decimal value)
    {
        value = 0;
        if (text.Length is 0 or > 20 || !text.All(c => char.IsAsciiDigit(c) || c == '.')
            || !decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value))
        {
            return false;
        }
        return decimal.Round(value, Decimals(currency)) == value;
    }

    public static string Format(decimal value, string currency) =>
        value.ToString("F" + Decimals(currency).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    // A made-up but plausible commission, so that the payable amount differs from the total as it does at 2Checkout.
    public static decimal Payable(decimal total, string currency) =>
        Math.Max(0, total - Math.Round(total * 0.049m, Decimals(currency), MidpointRounding.AwayFromZero) - (Decimals(currency) == 0 ? 45m : 0.45m));
}
