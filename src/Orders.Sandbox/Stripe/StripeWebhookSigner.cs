using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Orders.Sandbox;

// Signs webhook deliveries the way Stripe does (PROVIDERS.md 3.2): Stripe-Signature: t=<unix
// seconds>,v1=<hex>[,v1=<hex>…], each v1 = lowercase hex HMAC-SHA256 over "<t>.<raw body>" keyed
// with the whole "whsec_…" string. Tests use it to sign, or forge, deliveries themselves.
public static class StripeWebhookSigner
{
    public const string HeaderName = "Stripe-Signature";

    public static string Signature(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var prefix = Encoding.ASCII.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var payload = new byte[prefix.Length + body.Length];
        prefix.CopyTo(payload, 0);
        body.CopyTo(payload.AsSpan(prefix.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), payload));
    }

    // One v1 per secret, in the order given (during a roll Stripe signs with the new and the old).
    public static string Header(ReadOnlySpan<byte> body, long timestamp, params IEnumerable<string> secrets)
    {
        var header = new StringBuilder("t=").Append(timestamp.ToString(CultureInfo.InvariantCulture));
        foreach (var secret in secrets)
        {
            header.Append(",v1=").Append(Signature(secret, timestamp, body));
        }
        return header.ToString();
    }
}
