using System.Text.RegularExpressions;

namespace Orders.Sandbox.Avangate;

internal enum ReceiptCheck
{
    Missing,
    Invalid,
    Valid,
}

// The acknowledgement a listener must print anywhere in its 200 response (PROVIDERS.md 2.3, 2.6):
//   <EPAYMENT>DATE|HASH</EPAYMENT>                      HMAC-MD5
//   <sig algo="sha256" date="DATE">HASH</sig>           HMAC-SHA256
//   <sig algo="sha3-256" date="DATE">HASH</sig>         HMAC-SHA3-256
// over len+value of the notification's own values (IPN: IPN_PID[0], IPN_PNAME[0], IPN_DATE;
// LCN: LICENSE_CODE, EXPIRATION_DATE) followed by len+DATE, DATE being the receipt's own date.
internal static partial class AvangateReadReceipt
{
    public static string[] SourceValues(string kind, IReadOnlyList<KeyValuePair<string, string>> fields) => kind == AvangateNotificationKinds.Lcn
        ?
        [
            AvangateForm.First(fields, "LICENSE_CODE") ?? "",
            AvangateForm.First(fields, "EXPIRATION_DATE") ?? "",
        ]
        :
        [
            AvangateForm.First(fields, "IPN_PID[]") ?? "",
            AvangateForm.First(fields, "IPN_PNAME[]") ?? "",
            AvangateForm.First(fields, "IPN_DATE") ?? "",
        ];

    public static string Source(IReadOnlyList<string> sourceValues, string date) => AvangateHash.Source([.. sourceValues, date]);

    // Any one valid receipt is enough; the hash must be right for the algorithm it names.
    public static ReceiptCheck Check(string responseBody, IReadOnlyList<string> sourceValues, string secretKey)
    {
        var found = false;
        foreach (Match match in Md5Receipt().Matches(responseBody))
        {
            found = true;
            if (Matches(AvangateAlgorithm.Md5, match, sourceValues, secretKey))
            {
                return ReceiptCheck.Valid;
            }
        }
        foreach (Match match in SigReceipt().Matches(responseBody))
        {
            found = true;
            var algorithm = match.Groups["algo"].Value.ToLowerInvariant() switch
            {
                "sha256" => AvangateAlgorithm.Sha256,
                "sha3-256" => AvangateAlgorithm.Sha3_256,
                _ => (AvangateAlgorithm?)null,
            };
            if (algorithm is { } known && Matches(known, match, sourceValues, secretKey))
            {
                return ReceiptCheck.Valid;
            }
        }
        return found ? ReceiptCheck.Invalid : ReceiptCheck.Missing;
    }

    private static bool Matches(AvangateAlgorithm algorithm, Match match, IReadOnlyList<string> sourceValues, string secretKey) =>
        AvangateHash.Matches(algorithm, secretKey, Source(sourceValues, match.Groups["date"].Value), match.Groups["hash"].Value);

    [GeneratedRegex(@"<EPAYMENT>(?<date>[0-9]{14})\|(?<hash>[0-9A-Fa-f]{1,256})</EPAYMENT>", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Md5Receipt();

    [GeneratedRegex(@"<sig\s+algo=""(?<algo>[A-Za-z0-9-]{1,16})""\s+date=""(?<date>[0-9]{14})""\s*>(?<hash>[0-9A-Fa-f]{1,256})</sig>", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SigReceipt();
}
