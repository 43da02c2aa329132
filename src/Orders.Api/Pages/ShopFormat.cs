using System.Globalization;
using Orders.Api.Payments;

namespace Orders.Api.Pages;

// How the shop's pages write money, times and waits. The pages are in English, so every price is
// written the English way (1,049.00) with its currency's own symbol where that symbol names one
// currency only ($ is the US dollar here, € the euro, £ the pound, ¥ the yen) and the ISO code
// otherwise (CHF 49.00, CAD 49.00): a customer never has to guess which dollar a price is in.
internal static class ShopFormat
{
    private static readonly Dictionary<string, string> Symbols = new(StringComparer.Ordinal)
    {
        ["USD"] = "$", ["EUR"] = "€", ["GBP"] = "£", ["JPY"] = "¥",
    };

    public static string Price(long minor, string currency)
    {
        var numbers = (NumberFormatInfo)CultureInfo.InvariantCulture.NumberFormat.Clone();
        var symbol = Symbols.GetValueOrDefault(currency);
        numbers.CurrencySymbol = symbol ?? currency;
        numbers.CurrencyDecimalDigits = Money.Decimals(currency);
        // $n, or "CHF n" with a no-break space so the code never wraps away from its amount.
        numbers.CurrencyPositivePattern = 0;
        numbers.CurrencyNegativePattern = 1;
        if (symbol is null)
        {
            numbers.CurrencySymbol = currency + "\u00a0";
        }

        return (minor / (decimal)Math.Pow(10, Money.Decimals(currency))).ToString("C", numbers);
    }

    // 5 December 2026, 23:50 UTC: the shop has customers everywhere, so it says which clock it means.
    public static string Time(DateTime utc) => utc.ToString("d MMMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string Date(DateTime utc) => utc.ToString("d MMMM yyyy", CultureInfo.InvariantCulture);

    public static string Date(DateOnly date) => date.ToString("d MMMM yyyy", CultureInfo.InvariantCulture);

    // A Retry-After in words: "about 40 seconds", "about 2 minutes".
    public static string Wait(TimeSpan wait)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        if (seconds < 90)
        {
            return seconds == 1 ? "a second" : string.Create(CultureInfo.InvariantCulture, $"about {seconds} seconds");
        }

        var minutes = (int)Math.Round(seconds / 60.0);
        return string.Create(CultureInfo.InvariantCulture, $"about {minutes} minutes");
    }
}
