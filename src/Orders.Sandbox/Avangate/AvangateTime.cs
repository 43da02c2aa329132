using System.Globalization;

namespace Orders.Sandbox.Avangate;

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
