using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Orders.Api.Payments.Avangate;

// A notification's fields exactly as they arrived: in order, with repeated "NAME[]" keys kept.
// Form collections reorder and merge; the signature is over this order, so the raw body is parsed here.
internal sealed class AvangateNotification
{
    public static readonly string[] SignatureFields = ["HASH", "SIGNATURE_SHA2_256", "SIGNATURE_SHA3_256"];

    private string? signedSource;

    private AvangateNotification(List<KeyValuePair<string, string>> fields) => Fields = fields;

    public IReadOnlyList<KeyValuePair<string, string>> Fields { get; }

    public static AvangateNotification? Parse(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = WebUtility.UrlDecode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : WebUtility.UrlDecode(pair[(equals + 1)..]);
            if (string.IsNullOrEmpty(name))
            {
                return null;
            }

            fields.Add(new(name, value));
        }

        return fields.Count == 0 ? null : new AvangateNotification(fields);
    }

    public string? First(string name) => Fields.FirstOrDefault(f => f.Key == name).Value;

    public string? FirstOf(string arrayName) => First(arrayName + "[]") ?? First(arrayName);

    public IEnumerable<string> ValuesToSign() =>
        Fields.Where(f => !SignatureFields.Contains(f.Key, StringComparer.Ordinal)).Select(f => f.Value);

    // The exact text the signature covers: the values, length-prefixed, names left out.
    public string SignedSource => signedSource ??= AvangateHash.LengthPrefixed(ValuesToSign());

    // The notification's identity for de-duplication: a digest of what is signed, so renaming,
    // dropping or adding signature fields, or renaming MESSAGE_ID, cannot make a replay look new.
    // The reseller resends the very same fields until it sees our receipt.
    public string Digest => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(SignedSource)))[..32];

    // The strongest signature present that this platform and configuration accept.
    public (AvangateAlgorithm Algorithm, string Value)? StrongestSignature(bool allowMd5)
    {
        if (First("SIGNATURE_SHA3_256") is { Length: > 0 } sha3 && AvangateHash.Sha3Supported)
        {
            return (AvangateAlgorithm.Sha3_256, sha3);
        }

        if (First("SIGNATURE_SHA2_256") is { Length: > 0 } sha2)
        {
            return (AvangateAlgorithm.Sha256, sha2);
        }

        return allowMd5 && First("HASH") is { Length: > 0 } md5 ? (AvangateAlgorithm.Md5, md5) : null;
    }

    public bool IsSignedWith(string secret, AvangateAlgorithm algorithm, string signature) =>
        AvangateHash.Matches(AvangateHash.Hmac(algorithm, secret, SignedSource), signature);
}
