using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Orders.Sandbox.PayPal;

// The one sandbox buyer who approves every order, and the merchant who receives the money.
// Ids are made once per run, like accounts that exist before any order does.
internal sealed class PayPalSandboxAccounts
{
    public string PayerId { get; } = SandboxIds.Account();
    public string PayerEmail { get; } = "buyer@sandbox.example";
    public string PayerGivenName { get; } = "Sandbox";
    public string PayerSurname { get; } = "Buyer";
    public string PayerCountry { get; } = "US";

    public string MerchantId { get; } = SandboxIds.Account();
    public string MerchantEmail { get; } = "merchant@sandbox.example";

    public string AppId { get; } = SandboxIds.App();
}

// Identifiers in the shapes PayPal uses, from a cryptographic generator so that ids are unguessable
// like the real ones (an order id is a bearer of the buyer's approval page).
internal static class SandboxIds
{
    private const string UpperAlphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    // Orders, captures and refunds: 17 characters, ^[A-Z0-9]+$.
    public static string Resource() => RandomNumberGenerator.GetString(UpperAlphanumeric, 17);

    // Payer and merchant ids: 13 characters.
    public static string Account() => RandomNumberGenerator.GetString(UpperAlphanumeric, 13);

    public static string Event() => $"WH-{Resource()}-{Resource()}";

    public static string DebugId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(7))[..13];

    public static string AccessToken() => "A21AA" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(48));

    public static string Nonce(DateTimeOffset now) =>
        PayPalJson.Time(now) + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));

    public static string App() => "APP-" + Resource();

    public static string Certificate() =>
        $"CERT-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
}

internal sealed class PayPalAccessTokens(IOptions<PayPalSandboxOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> tokens = new(StringComparer.Ordinal);

    public bool AreClientCredentials(string? authorization)
    {
        if (!AuthenticationHeaderValue.TryParse(authorization, out var header)
            || !header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase)
            || header.Parameter is null)
        {
            return false;
        }
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (FormatException)
        {
            return false;
        }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return false;
        }
        // Both halves are always compared (non-short-circuit &), each in constant time.
        return SameSecret(decoded[..colon], options.Value.ClientId) & SameSecret(decoded[(colon + 1)..], options.Value.ClientSecret);
    }

    public (string Token, int ExpiresIn) Issue()
    {
        var now = time.GetUtcNow();
        foreach (var (token, expires) in tokens)
        {
            if (expires <= now)
            {
                tokens.TryRemove(token, out _);
            }
        }
        var lifetime = options.Value.TokenLifetimeSeconds;
        var issued = SandboxIds.AccessToken();
        tokens[issued] = now.AddSeconds(lifetime);
        return (issued, lifetime);
    }

    public bool IsValidBearer(string? authorization) =>
        AuthenticationHeaderValue.TryParse(authorization, out var header)
        && header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)
        && header.Parameter is { } token
        && tokens.TryGetValue(token, out var expires)
        && expires > time.GetUtcNow();

    // Hashing first gives equal-length inputs, so the comparison time does not reveal the length either.
    private static bool SameSecret(string presented, string expected) => CryptographicOperations.FixedTimeEquals(
        SHA256.HashData(Encoding.UTF8.GetBytes(presented)),
        SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
