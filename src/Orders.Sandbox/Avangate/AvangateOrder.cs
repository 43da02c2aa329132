using System.Collections.Frozen;
using System.Globalization;

namespace Orders.Sandbox.Avangate;

internal enum AvangateOrderState
{
    Cart,
    Complete,
    Refunded,
    Reversed,
}

// One hosted cart and, once paid, the order it becomes. Mutable state is guarded by Gate.
internal sealed class AvangateOrder(string refno, int orderNumber, string customerReference, BuyLink link, DateTimeOffset createdAt)
{
    public Lock Gate { get; } = new();

    public string Refno => refno;

    // ORDERNO: the merchant's running order number at 2Checkout.
    public int OrderNumber => orderNumber;

    // AVANGATE_CUSTOMER_REFERENCE.
    public string CustomerReference => customerReference;

    // Replaced only while in the cart, when the shopper changes quantities of an unlocked cart.
    public BuyLink Link { get; set; } = link;

    public DateTimeOffset CreatedAt => createdAt;

    public AvangateOrderState State { get; set; } = AvangateOrderState.Cart;

    public string? Email { get; set; }

    public DateTimeOffset? PaidAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    // "cart", "complete", "refunded", "reversed".
    public string StateName => State.ToString().ToLowerInvariant();

    // IPN_LICENSE_REF[]: stable per order (and per line after the first); also the LCN's LICENSE_CODE.
    public string LicenseReference(int line) => line == 0 ? $"2CO-LIC-{refno}" : $"2CO-LIC-{refno}-{line + 1}";

    public DateTimeOffset LicenseStart => PaidAt ?? createdAt;

    // One-year licences, so an LCN has a real EXPIRATION_DATE.
    public DateTimeOffset LicenseExpires => LicenseStart.AddYears(1);
}

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

// 2Checkout's date formats, always UTC here (TIMEZONE_OFFSET says GMT+00:00).
internal static class AvangateTime
{
    // Y-m-d H:i:s (SALEDATE, PAYMENTDATE, COMPLETE_DATE, IPN_LICENSE_EXP[]).
    public static string DateTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    // YmdHis (IPN_DATE and the read receipt's DATE).
    public static string Compact(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);

    // YYYY-MM-DD (LCN EXPIRATION_DATE).
    public static string Date(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    // What 2Checkout sends for a date that has not happened yet (COMPLETE_DATE before completion).
    public const string Never = "0000-00-00 00:00:00";
}

// A form body read by hand: order and repeated names kept, "X[]" names left as they are.
internal static class AvangateForm
{
    public const int MaxBodyBytes = 1024 * 1024;

    public static List<KeyValuePair<string, string>> Parse(string form) =>
        [.. form.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(pair => pair.Split('=', 2)).Select(p => KeyValuePair.Create(Decode(p[0]), p.Length > 1 ? Decode(p[1]) : ""))];

    public static string? First(IReadOnlyList<KeyValuePair<string, string>> fields, string name) =>
        fields.FirstOrDefault(field => field.Key == name).Value;

    public static Task<string?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken) =>
        Template.SandboxJson.ReadTextAsync(request, cancellationToken, MaxBodyBytes);

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
}
