using System.Text.RegularExpressions;

namespace Orders.Api.Payments.Avangate;

// The field names the reseller sends, in the order it sends them. Its signature covers the values
// only, so whoever holds one signed notification can rename its fields at will: hide IPN_DATE, swap
// TEST_ORDER with GIFT_ORDER, or turn MESSAGE_ID into another field to make a replay look new. A
// notification is therefore taken only if its names are known, in this order, each scalar once and
// each array ("NAME[]", one entry per product) as one run, every array as long as the others.
// A renamed value can then only move to a neighbouring name the account does not send.
internal sealed partial class AvangateFieldOrder
{
    // PROVIDERS.md 2.1: the official SDK's payload; COMPLETE_DATE and ORIGINAL_REFNOEXT[] are also
    // allowed where the reseller's parameter page lists them.
    public static readonly IReadOnlyList<string> Ipn =
    [
        "GIFT_ORDER", "SALEDATE", "PAYMENTDATE", "COMPLETE_DATE", "REFNO", "REFNOEXT", "SHOPPER_REFERENCE_NUMBER", "ORIGINAL_REFNOEXT[]",
        "ORDERNO", "ORDERSTATUS", "PAYMETHOD", "PAYMETHOD_CODE", "FIRSTNAME", "LASTNAME", "COMPANY", "REGISTRATIONNUMBER", "FISCALCODE",
        "TAX_OFFICE", "CBANKNAME", "CBANKACCOUNT", "ADDRESS1", "ADDRESS2", "CITY", "STATE", "ZIPCODE", "COUNTRY", "COUNTRY_CODE", "PHONE",
        "FAX", "CUSTOMEREMAIL", "FIRSTNAME_D", "LASTNAME_D", "COMPANY_D", "ADDRESS1_D", "ADDRESS2_D", "CITY_D", "STATE_D", "ZIPCODE_D",
        "COUNTRY_D", "COUNTRY_D_CODE", "PHONE_D", "EMAIL_D", "IPADDRESS", "IPCOUNTRY", "COMPLETE_DATE", "TIMEZONE_OFFSET", "CURRENCY",
        "LANGUAGE", "ORDERFLOW", "IPN_PID[]", "IPN_PNAME[]", "IPN_PCODE[]", "IPN_EXTERNAL_REFERENCE[]", "IPN_INFO[]", "IPN_QTY[]",
        "IPN_PRICE[]", "IPN_VAT[]", "IPN_VAT_RATE[]", "IPN_VER[]", "IPN_DISCOUNT[]", "IPN_PROMOTION_CATEGORY[]", "IPN_PROMONAME[]",
        "IPN_PROMOCODE[]", "IPN_ORDER_COSTS[]", "IPN_SKU[]", "IPN_PARTNER_CODE", "IPN_PGROUP[]", "IPN_PGROUP_NAME[]", "MESSAGE_ID",
        "MESSAGE_TYPE", "IPN_LICENSE_PROD[]", "IPN_LICENSE_TYPE[]", "IPN_LICENSE_REF[]", "IPN_LICENSE_EXP[]", "IPN_LICENSE_START[]",
        "IPN_LICENSE_LIFETIME[]", "IPN_LICENSE_ADDITIONAL_INFO[]", "IPN_DELIVEREDCODES[]", "IPN_DOWNLOAD_LINK", "IPN_TOTAL[]",
        "IPN_TOTALGENERAL", "IPN_SHIPPING", "IPN_SHIPPING_TAX", "AVANGATE_CUSTOMER_REFERENCE", "EXTERNAL_CUSTOMER_REFERENCE", "TEST_ORDER",
        "IPN_ORDER_ORIGIN", "FRAUD_STATUS", "CARD_TYPE", "CARD_LAST_DIGITS", "CARD_EXPIRATION_DATE", "GATEWAY_RESPONSE", "IPN_DATE",
        "FX_RATE", "FX_MARKUP", "PAYABLE_AMOUNT", "PAYOUT_CURRENCY", "VENDOR_CODE", "PROPOSAL_ID",
    ];

    // PROVIDERS.md 2.6 and the reseller's LCN parameter page (which spells FIRST_NAME, LAST_NAME).
    public static readonly IReadOnlyList<string> Lcn =
    [
        "FIRST_NAME", "FIRSTNAME", "LAST_NAME", "LASTNAME", "COMPANY", "EMAIL", "PHONE", "FAX", "COUNTRY", "STATE", "CITY", "ZIP", "ADDRESS",
        "LICENSE_CODE", "EXPIRATION_DATE", "DATE_UPDATED", "AVANGATE_CUSTOMER_REFERENCE", "EXTERNAL_CUSTOMER_REFERENCE", "TEST", "CHANGED_BY",
        "LICENSE_TYPE", "DISABLED", "STATUS",
    ];

    private readonly string[] names;

    private AvangateFieldOrder(string[] names) => this.names = names;

    // The built-in order with the operator's additions ("NAME after EXISTING", Avangate:Added…Fields),
    // each placed right after the first occurrence of the field it names.
    public static AvangateFieldOrder With(IReadOnlyList<string> builtIn, IEnumerable<string> additions)
    {
        var names = builtIn.ToList();
        foreach (var addition in additions)
        {
            var (name, after) = ParseAddition(addition) ?? throw new InvalidOperationException($"'{addition}' is not \"NAME after EXISTING\".");
            var at = names.IndexOf(after);
            if (at < 0)
            {
                throw new InvalidOperationException($"'{addition}' names {after}, which is not a known field.");
            }

            names.Insert(at + 1, name);
        }

        return new AvangateFieldOrder([.. names]);
    }

    // Why an addition cannot be used, or null: for the start-up check of the options.
    public static string? AdditionProblem(IReadOnlyList<string> builtIn, IReadOnlyList<string> additions)
    {
        try
        {
            With(builtIn, additions);
            return null;
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
    }

    public static (string Name, string After)? ParseAddition(string addition)
    {
        var match = AdditionSyntax().Match(addition);
        return match.Success ? (match.Groups["name"].Value, match.Groups["after"].Value) : null;
    }

    // Null when the names are acceptable; otherwise what is wrong, naming a field only if its name
    // looks like one (the text is the sender's).
    public string? Problem(IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        var next = 0;
        string? run = null;
        var runLength = 0;
        int? arrayLength = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var inSignatures = false;
        foreach (var (name, _) in fields)
        {
            if (AvangateNotification.SignatureFields.Contains(name, StringComparer.Ordinal))
            {
                inSignatures = true;
                if (!seen.Add(name))
                {
                    return $"The field {name} appears twice.";
                }

                continue;
            }

            if (inSignatures)
            {
                return "A field follows the signature fields.";
            }

            if (name == run && IsArray(name))
            {
                runLength++;
                continue;
            }

            if (EndRun(run, runLength, ref arrayLength) is { } arrays)
            {
                return arrays;
            }

            if (!seen.Add(name))
            {
                return $"The field {Describe(name)} appears more than once.";
            }

            var at = Array.IndexOf(names, name, next);
            if (at < 0)
            {
                return Array.IndexOf(names, name) < 0
                    ? $"The field {Describe(name)} is not one the reseller sends (Avangate:Added…Fields lists new ones)."
                    : $"The field {Describe(name)} is out of order.";
            }

            next = at + 1;
            run = name;
            runLength = 1;
        }

        return EndRun(run, runLength, ref arrayLength);
    }

    private static string? EndRun(string? run, int runLength, ref int? arrayLength)
    {
        if (run is null || !IsArray(run))
        {
            return null;
        }

        arrayLength ??= runLength;
        return arrayLength == runLength ? null : "The product fields (NAME[]) differ in length.";
    }

    private static bool IsArray(string name) => name.EndsWith("[]", StringComparison.Ordinal);

    private static string Describe(string name) => FieldName().IsMatch(name) ? name : "with an unexpected name";

    [GeneratedRegex(@"^[A-Z0-9_]{1,64}(\[\])?$", RegexOptions.CultureInvariant)]
    private static partial Regex FieldName();

    [GeneratedRegex(@"^\s*(?<name>[A-Z0-9_]{1,64}(\[\])?)\s+(?i:after)\s+(?<after>[A-Z0-9_]{1,64}(\[\])?)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex AdditionSyntax();
}
