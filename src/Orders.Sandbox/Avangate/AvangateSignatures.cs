using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Orders.Sandbox.Avangate;

internal enum AvangateAlgorithm
{
    Md5,
    Sha256,
    Sha3_256,
}

internal enum ReceiptCheck
{
    Missing,
    Invalid,
    Valid,
}

// The one serialisation 2Checkout hashes everywhere (PROVIDERS.md 2.2, 2.3, 2.6): each value as
// <UTF-8 byte length><value>, concatenated; an empty value is just "0". Then HMAC with a secret,
// lowercase hex; compared case-insensitively in constant time.
internal static partial class AvangateHash
{
    public const string Md5Field = "HASH";
    public const string Sha256Field = "SIGNATURE_SHA2_256";
    public const string Sha3Field = "SIGNATURE_SHA3_256";

    public static bool IsSignatureField(string name) => name is Md5Field or Sha256Field or Sha3Field;

    public static bool IsSupported(AvangateAlgorithm algorithm) => algorithm != AvangateAlgorithm.Sha3_256 || HMACSHA3_256.IsSupported;

    // countChars: the ConvertPlus buy-link docs do not say whether the length counts bytes or
    // characters (community code uses mb_strlen); both agree for ASCII.
    public static string Source(IEnumerable<string?> values, bool countChars = false) => string.Concat(values.Select(v =>
        (countChars ? (v ?? "").Length : Encoding.UTF8.GetByteCount(v ?? "")) is var length and > 0 ? $"{length}{v}" : "0"));

    public static string Hex(AvangateAlgorithm algorithm, string key, string source) => Convert.ToHexStringLower(Compute(algorithm, key, source));

    public static bool Matches(AvangateAlgorithm algorithm, string key, string source, string candidateHex) =>
        IsSupported(algorithm) && candidateHex.Length is > 0 and <= 256 && candidateHex.Length % 2 == 0 && candidateHex.All(char.IsAsciiHexDigit)
        && CryptographicOperations.FixedTimeEquals(Compute(algorithm, key, source), Convert.FromHexString(candidateHex));

    // The acknowledgement a listener must print anywhere in its 200 response (PROVIDERS.md 2.3, 2.6):
    //   <EPAYMENT>DATE|HASH</EPAYMENT> (HMAC-MD5), <sig algo="sha256|sha3-256" date="DATE">HASH</sig>
    // over len+value of the notification's own values (IPN: IPN_PID[0], IPN_PNAME[0], IPN_DATE;
    // LCN: LICENSE_CODE, EXPIRATION_DATE) followed by len+DATE, DATE being the receipt's own date.
    private static readonly string[] LcnReceiptFields = ["LICENSE_CODE", "EXPIRATION_DATE"];
    private static readonly string[] IpnReceiptFields = ["IPN_PID[]", "IPN_PNAME[]", "IPN_DATE"];

    public static string[] ReceiptValues(string kind, IReadOnlyList<KeyValuePair<string, string>> fields) =>
        [.. (kind == AvangateNotificationKinds.Lcn ? LcnReceiptFields : IpnReceiptFields).Select(name => AvangateForm.First(fields, name) ?? "")];

    // Any one valid receipt is enough; the hash must be right for the algorithm it names.
    public static ReceiptCheck CheckReceipt(string responseBody, IReadOnlyList<string> receiptValues, string secretKey)
    {
        var receipts = Md5Receipt().Matches(responseBody).Select(m => (Algorithm: (AvangateAlgorithm?)AvangateAlgorithm.Md5, Match: m))
            .Concat(SigReceipt().Matches(responseBody).Select(m => (Algorithm: m.Groups["algo"].Value.ToLowerInvariant() switch
            {
                "sha256" => AvangateAlgorithm.Sha256,
                "sha3-256" => AvangateAlgorithm.Sha3_256,
                _ => (AvangateAlgorithm?)null,
            }, Match: m)))
            .ToList();
        return receipts.Any(r => r.Algorithm is { } algorithm
                && Matches(algorithm, secretKey, Source([.. receiptValues, r.Match.Groups["date"].Value]), r.Match.Groups["hash"].Value))
            ? ReceiptCheck.Valid
            : receipts.Count > 0 ? ReceiptCheck.Invalid : ReceiptCheck.Missing;
    }

    private static byte[] Compute(AvangateAlgorithm algorithm, string key, string source)
    {
        var (keyBytes, data) = (Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(source));
        return algorithm switch
        {
            // HMAC-MD5 is what 2Checkout's legacy HASH field is; the protocol leaves no choice.
#pragma warning disable CA5351
            AvangateAlgorithm.Md5 => HMACMD5.HashData(keyBytes, data),
#pragma warning restore CA5351
            AvangateAlgorithm.Sha256 => HMACSHA256.HashData(keyBytes, data),
            _ => HMACSHA3_256.HashData(keyBytes, data),
        };
    }

    [GeneratedRegex(@"<EPAYMENT>(?<date>[0-9]{14})\|(?<hash>[0-9A-Fa-f]{1,256})</EPAYMENT>", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Md5Receipt();

    [GeneratedRegex(@"<sig\s+algo=""(?<algo>[A-Za-z0-9-]{1,16})""\s+date=""(?<date>[0-9]{14})""\s*>(?<hash>[0-9A-Fa-f]{1,256})</sig>", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SigReceipt();
}
