using System.Globalization;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Orders.Sandbox.PayPal;

using Orders.Sandbox.Template;

namespace Orders.Sandbox;

// Signs webhook transmissions the way PayPal does (PROVIDERS.md 1.8, option B), with a key and a
// self-signed certificate made at start-up. Tests use it to sign, or forge, deliveries themselves.
public sealed class PayPalWebhookSigner : IDisposable
{
    public const string AuthAlgorithm = "SHA256withRSA";

    private readonly SandboxUrls<PayPalSandboxOptions> urls;
    private readonly TimeProvider time;
    private readonly RSA key;

    internal PayPalWebhookSigner(SandboxUrls<PayPalSandboxOptions> urls, TimeProvider time)
    {
        this.urls = urls;
        this.time = time;
        key = RSA.Create(2048);
        var now = time.GetUtcNow();
        var request = new CertificateRequest(
            new X500DistinguishedName("CN=Orders PayPal Sandbox webhook signing, O=Orders Sandbox"),
            key,
            HashAlgorithmName.SHA256,
            RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        CertificatePem = certificate.ExportCertificatePem();
        CertId = SandboxIds.Certificate();
    }

    // Absolute, and computed when asked: the server's address is only known once it has started.
    public string CertUrl => $"{urls.Base}/v1/notifications/certs/{CertId}";

    internal string CertId { get; }

    internal string CertificatePem { get; }

    // The five PAYPAL-* headers for a new transmission of these exact body bytes (new id, now).
    public IReadOnlyDictionary<string, string> Sign(ReadOnlySpan<byte> body, string webhookId)
    {
        ArgumentNullException.ThrowIfNull(webhookId);
        var transmissionId = Guid.NewGuid().ToString();
        var transmissionTime = PayPalJson.Time(time.GetUtcNow());
        var signature = key.SignData(Message(transmissionId, transmissionTime, webhookId, body), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["PAYPAL-TRANSMISSION-ID"] = transmissionId,
            ["PAYPAL-TRANSMISSION-TIME"] = transmissionTime,
            ["PAYPAL-TRANSMISSION-SIG"] = Convert.ToBase64String(signature),
            ["PAYPAL-CERT-URL"] = CertUrl,
            ["PAYPAL-AUTH-ALGO"] = AuthAlgorithm,
        };
    }

    // For PayPal's postback check (verify-webhook-signature).
    internal bool Verify(string transmissionId, string transmissionTime, string webhookId, ReadOnlySpan<byte> body, string signatureBase64)
    {
        var signature = new byte[signatureBase64.Length];
        if (!Convert.TryFromBase64String(signatureBase64, signature, out var length))
        {
            return false;
        }
        return key.VerifyData(Message(transmissionId, transmissionTime, webhookId, body), signature.AsSpan(0, length), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    public void Dispose() => key.Dispose();

    // transmissionId|transmissionTime|webhookId|crc32(body) with the CRC as an unsigned decimal.
    private static byte[] Message(string transmissionId, string transmissionTime, string webhookId, ReadOnlySpan<byte> body) =>
        Encoding.UTF8.GetBytes(string.Create(
            CultureInfo.InvariantCulture,
            $"{transmissionId}|{transmissionTime}|{webhookId}|{Crc32.HashToUInt32(body)}"));
}
