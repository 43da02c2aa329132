using System.Globalization;
using System.Text.RegularExpressions;

namespace Orders.Api.Payments;

// Providers speak decimal strings ("49.00", JPY "4900"); the database speaks integer minor units.
internal static partial class Money
{
    private static readonly HashSet<string> ZeroDecimal = ["BIF", "CLP", "DJF", "GNF", "HUF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "TWD", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"];
    private static readonly HashSet<string> ThreeDecimal = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

    public static int Decimals(string currency) =>
        ZeroDecimal.Contains(currency) ? 0 : ThreeDecimal.Contains(currency) ? 3 : 2;

    public static string ToDecimalString(long minor, string currency)
    {
        var decimals = Decimals(currency);
        var value = minor / (decimal)Pow10(decimals);
        return value.ToString(decimals == 0 ? "0" : "0." + new string('0', decimals), CultureInfo.InvariantCulture);
    }

    public static string Format(long minor, string currency) => $"{ToDecimalString(minor, currency)} {currency}";

    // Strict: PayPal's own pattern, and no more decimal places than the currency has.
    public static bool TryParseMinor(string? value, string? currency, out long minor)
    {
        minor = 0;
        if (value is null || currency is null || value.Length > 32 || !AmountPattern().IsMatch(value))
        {
            return false;
        }

        var dot = value.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0 && value.Length - dot - 1 > Decimals(currency))
        {
            return false;
        }

        if (!decimal.TryParse(value, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        var scaled = amount * Pow10(Decimals(currency));
        if (scaled > long.MaxValue || scaled < long.MinValue)
        {
            return false;
        }

        minor = (long)scaled;
        return true;
    }

    private static long Pow10(int decimals) => decimals switch { 0 => 1, 3 => 1000, _ => 100 };

    [GeneratedRegex("^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$")]
    private static partial Regex AmountPattern();
}
