using System.Buffers.Text;
using System.Security.Cryptography;

namespace Orders.Sandbox.PayPal;

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
