using System.Security.Cryptography;
using System.Text;

namespace Orders.Sandbox.Avangate;

internal enum AvangateAlgorithm
{
    Md5,
    Sha256,
    Sha3_256,
}

// The one serialisation 2Checkout hashes everywhere (PROVIDERS.md 2.2, 2.3, 2.6): each value as
// <UTF-8 byte length><value>, concatenated; an empty value is just "0". Then HMAC with a secret,
// lowercase hex; compared case-insensitively in constant time.
internal static class AvangateHash
{
    public const string Md5Field = "HASH";
    public const string Sha256Field = "SIGNATURE_SHA2_256";
    public const string Sha3Field = "SIGNATURE_SHA3_256";

    public static bool IsSignatureField(string name) => name is Md5Field or Sha256Field or Sha3Field;

    public static bool IsSupported(AvangateAlgorithm algorithm) => algorithm != AvangateAlgorithm.Sha3_256 || HMACSHA3_256.IsSupported;

    public static string Source(IEnumerable<string?> values)
    {
        var source = new StringBuilder();
        foreach (var value in values)
        {
            Append(source, value, Encoding.UTF8.GetByteCount(value ?? ""));
        }
        return source.ToString();
    }

    // The ConvertPlus buy-link docs do not say whether the length counts bytes or characters
    // (community code uses mb_strlen); both agree for ASCII.
    public static string SourceCountingChars(IEnumerable<string?> values)
    {
        var source = new StringBuilder();
        foreach (var value in values)
        {
            Append(source, value, value?.Length ?? 0);
        }
        return source.ToString();
    }

    public static string Hex(AvangateAlgorithm algorithm, string key, string source) =>
        Convert.ToHexStringLower(Compute(algorithm, key, source));

    public static bool Matches(AvangateAlgorithm algorithm, string key, string source, string candidateHex)
    {
        if (!IsSupported(algorithm) || !TryFromHex(candidateHex, out var candidate))
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(Compute(algorithm, key, source), candidate);
    }

    private static void Append(StringBuilder source, string? value, int length)
    {
        source.Append(length);
        if (length > 0)
        {
            source.Append(value);
        }
    }

    private static byte[] Compute(AvangateAlgorithm algorithm, string key, string source)
    {
        var keyBytes = Encoding.UTF8.GetBytes(key);
        var data = Encoding.UTF8.GetBytes(source);
        return algorithm switch
        {
            // HMAC-MD5 is what 2Checkout's legacy HASH field is; the protocol leaves no choice.
#pragma warning disable CA5351
            AvangateAlgorithm.Md5 => HMACMD5.HashData(keyBytes, data),
#pragma warning restore CA5351
            AvangateAlgorithm.Sha256 => HMACSHA256.HashData(keyBytes, data),
            AvangateAlgorithm.Sha3_256 => HMACSHA3_256.HashData(keyBytes, data),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
        };
    }

    private static bool TryFromHex(string hex, out byte[] bytes)
    {
        bytes = [];
        if (hex.Length is 0 or > 256 || hex.Length % 2 != 0 || !hex.All(char.IsAsciiHexDigit))
        {
            return false;
        }
        bytes = Convert.FromHexString(hex);
        return true;
    }
}
