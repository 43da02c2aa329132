using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Orders.Api.Data;

namespace Orders.Api.Orders;

internal sealed class SecurityOptions
{
    public const string Section = "Security";

    // At least 32 characters. Keys the customers' status-page tokens. A secret: environment or
    // user-secrets only. Empty: generated under the data directory on first run.
    public string? TokenSecret { get; set; }
}

// The token in a customer's status link. It is an HMAC of the order number under a server secret:
// unguessable (256 bits) without the secret, and reproducible by the service, so the license e-mail
// (sent later, by a job) and an idempotent checkout replay can carry the same link. Only a hash of
// it is stored, and it is compared in constant time.
internal sealed class StatusTokens
{
    public const string GeneratedSecretFileName = "token-secret";
    private readonly byte[] secret;

    public StatusTokens(IOptions<SecurityOptions> options, IOptions<StorageOptions> storage, IHostEnvironment environment)
    {
        var configured = options.Value.TokenSecret;
        if (!string.IsNullOrEmpty(configured))
        {
            secret = Encoding.UTF8.GetBytes(configured);
            return;
        }

        var path = Path.Combine(DataDirectory.Resolve(storage.Value, environment), GeneratedSecretFileName);
        GeneratedSecretFile.EnsureExists(path, () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        secret = Encoding.UTF8.GetBytes(File.ReadAllText(path).Trim());
        UsesGeneratedSecret = true;
    }

    public bool UsesGeneratedSecret { get; }

    public string For(string orderNumber) => ForPurpose("order-status", orderNumber);

    // Other personal links (privacy-notice consent) use the same secret under their own purpose,
    // so a token for one purpose never opens another.
    public string ForPurpose(string purpose, string value) =>
        Base64Url(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(purpose + ":" + value)));

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static bool Matches(string? token, string storedHash)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 128)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(token)), Encoding.ASCII.GetBytes(storedHash));
    }

    public static string StatusPath(string orderNumber, string token) =>
        $"/orders/{Uri.EscapeDataString(orderNumber)}?token={Uri.EscapeDataString(token)}";

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
