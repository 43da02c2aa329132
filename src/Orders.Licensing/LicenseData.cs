using System.Globalization;
using System.Text;

namespace Orders.Licensing;

/// <summary>What a license key states. <see cref="LicenseSigner.Sign"/> checks every field.</summary>
public sealed record LicenseData(
    string LicenseId,
    string Sku,
    string LicenseeName,
    int Seats,
    string OrderNumber,
    DateOnly IssuedOn);

// The field rules, shared by the signer (which throws) and the verifier (which reports InvalidContent
// for a correctly signed key whose content breaks them, i.e. one not made by LicenseSigner).
internal static class LicenseRules
{
    public const int MaxKeyIdLength = 16;
    public const int MaxLicenseIdLength = 40;
    public const int MaxSkuLength = 64;
    public const int MaxLicenseeNameLength = 200;
    public const int MaxSeats = 10_000;
    public const int MaxOrderNumberLength = 64;
    public static readonly DateOnly EarliestIssueDate = new(2000, 1, 1);

    public static bool IsValidKeyId(string? keyId) =>
        keyId is { Length: > 0 and <= MaxKeyIdLength } && keyId.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    public static string KeyIdRule => $"must be 1 to {MaxKeyIdLength} ASCII letters, digits or dashes";

    public static bool IsValidLicenseId(string? licenseId) => IsPrintableAscii(licenseId, MaxLicenseIdLength, allowSpaces: false);

    public static string LicenseIdRule => $"1 to {MaxLicenseIdLength} printable ASCII characters without spaces";

    // Returns the first problem, naming the field, or null when the license is valid.
    public static string? FindProblem(LicenseData license)
    {
        if (!IsValidLicenseId(license.LicenseId))
        {
            return $"{nameof(LicenseData.LicenseId)} must be {LicenseIdRule}.";
        }

        if (!IsPrintableAscii(license.Sku, MaxSkuLength, allowSpaces: true))
        {
            return $"{nameof(LicenseData.Sku)} must be 1 to {MaxSkuLength} printable ASCII characters, not only spaces.";
        }

        if (!IsValidName(license.LicenseeName))
        {
            return $"{nameof(LicenseData.LicenseeName)} must be 1 to {MaxLicenseeNameLength} characters, not only whitespace, "
                + "with no control characters or broken surrogate pairs.";
        }

        if (license.Seats is < 1 or > MaxSeats)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"{nameof(LicenseData.Seats)} must be between 1 and {MaxSeats} (was {license.Seats}).");
        }

        if (!IsPrintableAscii(license.OrderNumber, MaxOrderNumberLength, allowSpaces: true))
        {
            return $"{nameof(LicenseData.OrderNumber)} must be 1 to {MaxOrderNumberLength} printable ASCII characters, not only spaces.";
        }

        if (license.IssuedOn < EarliestIssueDate)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"{nameof(LicenseData.IssuedOn)} must be on or after {EarliestIssueDate:yyyy-MM-dd} (was {license.IssuedOn:yyyy-MM-dd}).");
        }

        return null;
    }

    private static bool IsPrintableAscii(string? value, int maxLength, bool allowSpaces)
    {
        if (value is null || value.Length == 0 || value.Length > maxLength || string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        char lowest = allowSpaces ? ' ' : '!';
        return value.All(c => c >= lowest && c <= '~');
    }

    private static bool IsValidName(string? value)
    {
        if (value is null || value.Length == 0 || value.Length > MaxLicenseeNameLength || string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        ReadOnlySpan<char> rest = value;
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out Rune rune, out int used) != System.Buffers.OperationStatus.Done
                || Rune.GetUnicodeCategory(rune) == UnicodeCategory.Control)
            {
                return false;
            }

            rest = rest[used..];
        }

        return true;
    }
}
