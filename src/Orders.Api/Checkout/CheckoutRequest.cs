using System.Net.Mail;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Orders.Api.Catalog;
using Orders.Api.Data;
using Orders.Api.Payments;

namespace Orders.Api.Checkout;

// Every field may be missing or null on the wire so that validation can name each one that is; a
// quantity must be a JSON number (the web default would also take "3" from a string).
internal sealed record CheckoutRequest(
    string? Sku,
    [property: JsonNumberHandling(JsonNumberHandling.Strict)] int? Quantity,
    string? Email,
    string? LicenseeName,
    string? Provider);

internal sealed record CheckoutResponse(string OrderNumber, string Status, string RedirectUrl, string StatusUrl);

internal static class CheckoutValidation
{
    public const int MaxQuantity = 100;
    public const int MaxLicenseeNameLength = 100;
    public const int MaxEmailLength = 254;

    // A catalog sku (Catalog.Product), matched without regard to case.
    public const string SkuPattern = "^[A-Za-z0-9][A-Za-z0-9-]{0,63}$";
    public const int MaxSkuLength = 64;

    public static Dictionary<string, string[]> Validate(CheckoutRequest request, ProductCatalog catalog, PaymentProviders providers)
    {
        var errors = new Dictionary<string, string[]>();
        if (catalog.Find(request.Sku) is null)
        {
            errors["sku"] = [string.IsNullOrWhiteSpace(request.Sku) ? "Choose a product." : "There is no product with this sku."];
        }

        if (request.Quantity is not { } quantity || quantity < 1 || quantity > MaxQuantity)
        {
            errors["quantity"] = [$"The quantity must be a whole number from 1 to {MaxQuantity}."];
        }

        if (EmailProblem(request.Email) is { } emailProblem)
        {
            errors["email"] = [emailProblem];
        }

        if (LicenseeNameProblem(request.LicenseeName) is { } nameProblem)
        {
            errors["licenseeName"] = [nameProblem];
        }

        if (providers.Find(request.Provider) is null)
        {
            errors["provider"] = [$"Choose a payment provider: {string.Join(", ", providers.Names)}."];
        }

        return errors;
    }

    // The address and the name as checkout takes them; support's corrections check them the same way.
    public static string? EmailProblem(string? email) =>
        CardNumberGuard.ContainsCardLikeNumber(email) ? "This looks like a payment card number."
        : !IsEmailAddress(email) ? "Enter the e-mail address the license should be sent to."
        : null;

    public static string? LicenseeNameProblem(string? licenseeName)
    {
        var name = licenseeName?.Trim();
        return string.IsNullOrEmpty(name) || name.Length > MaxLicenseeNameLength
                ? $"Enter the licensee's name (1 to {MaxLicenseeNameLength} characters)."
            : name.Any(c => char.IsControl(c) || IsDirectionControl(c))
                ? "The licensee's name cannot contain control characters or text-direction marks; type it as plain text."
            : CardNumberGuard.ContainsCardLikeNumber(name)
                ? "This looks like a payment card number. Never enter card details here; you pay on the provider's page."
            : null;
    }

    // The same logical request hashes the same, however it was spelled.
    public static string Fingerprint(CheckoutRequest r) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n',
        r.Sku?.Trim().ToUpperInvariant(), r.Quantity, r.Email?.Trim().ToLowerInvariant(), r.LicenseeName?.Trim(), r.Provider?.Trim().ToLowerInvariant()))));

    // The name is printed in the license and shown to support staff: a direction override (U+202E)
    // would make it display as something other than what it is. Joiners (U+200C/U+200D) stay: some
    // scripts need them.
    private static bool IsDirectionControl(char c) => c is '\u061C' or '\u200E' or '\u200F'
        or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    private static bool IsEmailAddress(string? value)
    {
        var email = value?.Trim();
        return !string.IsNullOrEmpty(email)
            && email.Length <= MaxEmailLength
            && MailAddress.TryCreate(email, out var address)
            && address.Address == email
            && string.IsNullOrEmpty(address.DisplayName)
            && address.Host.Contains('.', StringComparison.Ordinal)
            && !email.Any(char.IsWhiteSpace);
    }
}
