using System.Globalization;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;

namespace Orders.Api.Payments.PayPal;

internal enum WebhookVerdict
{
    Valid,
    Malformed,      // 400: headers missing or unreadable
    Forged,         // 401: signature, certificate or freshness check failed
    Unavailable,    // 503: the certificate could not be fetched right now; PayPal will retry
}

internal sealed record WebhookVerification(WebhookVerdict Verdict, string Reason)
{
    public static readonly WebhookVerification Ok = new(WebhookVerdict.Valid, "");
}

// PayPal's offline ("self-verify") webhook check, PROVIDERS.md 1.8 option B:
// message = transmissionId|transmissionTime|webhookId|crc32(raw body) as unsigned decimal,
// verified with SHA256withRSA against the certificate PayPal names, which must come from PayPal.
internal sealed class PayPalWebhookVerifier(PayPalSettings settings, PayPalCertificates certificates, TimeProvider time)
{
    public async Task<WebhookVerification> VerifyAsync(IHeaderDictionary headers, byte[] body, CancellationToken ct)
    {
        string? transmissionId = headers["PAYPAL-TRANSMISSION-ID"];
        string? transmissionTime = headers["PAYPAL-TRANSMISSION-TIME"];
        string? signature = headers["PAYPAL-TRANSMISSION-SIG"];
        string? certUrl = headers["PAYPAL-CERT-URL"];
        string? algorithm = headers["PAYPAL-AUTH-ALGO"];
        if (string.IsNullOrEmpty(transmissionId) || string.IsNullOrEmpty(transmissionTime) || string.IsNullOrEmpty(signature)
            || string.IsNullOrEmpty(certUrl) || string.IsNullOrEmpty(algorithm))
        {
            return new(WebhookVerdict.Malformed, "The PAYPAL-TRANSMISSION-ID, -TIME, -SIG, PAYPAL-CERT-URL and PAYPAL-AUTH-ALGO headers are required.");
        }

        if (!string.Equals(algorithm, "SHA256withRSA", StringComparison.OrdinalIgnoreCase))
        {
            return new(WebhookVerdict.Forged, "Only SHA256withRSA signatures are accepted.");
        }

        if (!DateTimeOffset.TryParse(transmissionTime, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var sentAt))
        {
            return new(WebhookVerdict.Malformed, "PAYPAL-TRANSMISSION-TIME is not an RFC 3339 time.");
        }

        var now = time.GetUtcNow();
        if (sentAt < now - settings.WebhookMaxAge || sentAt > now.AddMinutes(5))
        {
            return new(WebhookVerdict.Forged, "The transmission time is outside the accepted window.");
        }

        var signatureBytes = new byte[signature.Length];
        if (!Convert.TryFromBase64String(signature, signatureBytes, out var signatureLength))
        {
            return new(WebhookVerdict.Malformed, "PAYPAL-TRANSMISSION-SIG is not base64.");
        }

        // Refused, remembered or fetched once per normalised URL: see PayPalCertificates.
        var certificate = await certificates.GetAsync(certUrl, ct);
        if (certificate.Verdict != WebhookVerdict.Valid)
        {
            return new(certificate.Verdict, certificate.Reason);
        }

        var publicKey = certificate.PublicKey;
        var crc = Crc32.HashToUInt32(body).ToString(CultureInfo.InvariantCulture);
        var message = Encoding.UTF8.GetBytes($"{transmissionId}|{transmissionTime}|{settings.WebhookId}|{crc}");
        var valid = publicKey is not null && publicKey.VerifyData(message, signatureBytes.AsSpan(0, signatureLength), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return valid ? WebhookVerification.Ok : new(WebhookVerdict.Forged, "The signature does not match the body.");
    }
}
