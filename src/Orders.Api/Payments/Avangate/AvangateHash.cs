using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Orders.Api.Payments.Avangate;

internal enum AvangateAlgorithm
{
    Md5,
    Sha256,
    Sha3_256,
}

// The reseller's one hashing rule, used for notifications, read receipts and buy-links: every value
// becomes "<UTF-8 byte length><value>" (an empty value is just "0"), concatenated, then HMAC'd with a
// secret, lowercase hex (PROVIDERS.md 2.2, 2.3, 2.7).
internal static class AvangateHash
{
    public static bool Sha3Supported => HMACSHA3_256.IsSupported;

    public static string LengthPrefixed(IEnumerable<string?> values)
    {
        var builder = new StringBuilder();
        foreach (var value in values)
        {
            builder.Append(Encoding.UTF8.GetByteCount(value ?? "").ToString(CultureInfo.InvariantCulture)).Append(value);
        }

        return builder.ToString();
    }

    public static string Hmac(AvangateAlgorithm algorithm, string secret, string source)
    {
        var key = Encoding.UTF8.GetBytes(secret);
        var data = Encoding.UTF8.GetBytes(source);
        var mac = algorithm switch
        {
            // MD5 only because the reseller's legacy HASH field is defined with it (and only if allowed).
#pragma warning disable CA5351
            AvangateAlgorithm.Md5 => HMACMD5.HashData(key, data),
#pragma warning restore CA5351
            AvangateAlgorithm.Sha256 => HMACSHA256.HashData(key, data),
            AvangateAlgorithm.Sha3_256 => HMACSHA3_256.HashData(key, data),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
        };
        return Convert.ToHexStringLower(mac);
    }

    // Constant-time and case-insensitive: the reseller documents the hex as case-insensitive.
    public static bool Matches(string expectedLowerHex, string? received)
    {
        if (received is null || received.Length != expectedLowerHex.Length)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(expectedLowerHex),
            Encoding.ASCII.GetBytes(received.ToLowerInvariant()));
    }

    // Read receipt for the reseller: proves we received (and stored) this very notification.
    public static string Receipt(AvangateAlgorithm algorithm, string secret, IEnumerable<string?> sourceValues, string date)
    {
        var hash = Hmac(algorithm, secret, LengthPrefixed(sourceValues.Append(date)));
        return algorithm switch
        {
            AvangateAlgorithm.Md5 => $"<EPAYMENT>{date}|{hash}</EPAYMENT>",
            AvangateAlgorithm.Sha256 => $"<sig algo=\"sha256\" date=\"{date}\">{hash}</sig>",
            _ => $"<sig algo=\"sha3-256\" date=\"{date}\">{hash}</sig>",
        };
    }
}
