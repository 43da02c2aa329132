using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Orders.Sandbox.PayPal;

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
