using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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

        // A URL seen before was checked then, and its certificate is kept (until it expires) under
        // the header's exact text: no URL parsing per webhook.
        if (!certificates.TryGetCurrent(certUrl, out var publicKey))
        {
            if (!Uri.TryCreate(certUrl, UriKind.Absolute, out var certUri) || !settings.IsTrustedCertUrl(certUri))
            {
                return new(WebhookVerdict.Forged, "PAYPAL-CERT-URL does not point at PayPal.");
            }

            try
            {
                publicKey = await certificates.FetchAsync(certUrl, certUri, ct);
            }
            catch (CertificateRejectedException e)
            {
                return new(WebhookVerdict.Forged, e.Message);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or TimeoutException or Polly.Timeout.TimeoutRejectedException)
            {
                return new(WebhookVerdict.Unavailable, "PayPal's signing certificate could not be fetched.");
            }
        }

        var crc = Crc32.HashToUInt32(body).ToString(CultureInfo.InvariantCulture);
        var message = Encoding.UTF8.GetBytes($"{transmissionId}|{transmissionTime}|{settings.WebhookId}|{crc}");
        var valid = publicKey is not null && publicKey.VerifyData(message, signatureBytes.AsSpan(0, signatureLength), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return valid ? WebhookVerification.Ok : new(WebhookVerdict.Forged, "The signature does not match the body.");
    }
}

// Signing certificates by URL, fetched once and kept while valid, with their public keys and
// validity: decoding the key from the certificate for every webhook cost more than verifying the
// signature, and reading the certificate's dates (or hashing it as a dictionary key) on every
// webhook went back into the native certificate each time.
internal sealed class PayPalCertificates(IHttpClientFactory httpClientFactory, PayPalSettings settings, TimeProvider time)
{
    public const string HttpClientName = "paypal-certificates";
    private const int MaxCertificateBytes = 64 * 1024;
    private readonly ConcurrentDictionary<string, SigningCertificate> cache = new(StringComparer.Ordinal);

    // The RSA public key of the certificate fetched earlier from this URL (exactly as the webhook
    // named it; null if the certificate has no RSA key), while the certificate is valid. The same
    // instance for every webhook signed with that certificate (verification does not change it).
    public bool TryGetCurrent(string certUrl, out RSA? publicKey)
    {
        if (cache.TryGetValue(certUrl, out var cached) && IsCurrent(cached.ValidFromUtc, cached.ValidUntilUtc))
        {
            publicKey = cached.PublicKey;
            return true;
        }

        publicKey = null;
        return false;
    }

    // Fetches and checks the certificate at a URL the caller has already found trustworthy, and
    // keeps it under the URL's text as the webhook gave it.
    public async Task<RSA?> FetchAsync(string certUrl, Uri url, CancellationToken ct)
    {
        var http = httpClientFactory.CreateClient(HttpClientName);
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw (int)response.StatusCode >= 500
                ? new HttpRequestException($"Certificate download answered {(int)response.StatusCode}.")
                : new CertificateRejectedException("PAYPAL-CERT-URL does not name a certificate.");
        }

        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        if (bytes.Length > MaxCertificateBytes)
        {
            throw new CertificateRejectedException("The certificate download is too large.");
        }

        var chain = new X509Certificate2Collection();
        try
        {
            chain.ImportFromPem(Encoding.ASCII.GetString(bytes));
        }
        catch (CryptographicException)
        {
            throw new CertificateRejectedException("The certificate is not a PEM certificate.");
        }

        if (chain.Count == 0)
        {
            throw new CertificateRejectedException("The certificate is not a PEM certificate.");
        }

        var leaf = chain[0];
        var validFrom = leaf.NotBefore.ToUniversalTime();
        var validUntil = leaf.NotAfter.ToUniversalTime();
        if (!IsCurrent(validFrom, validUntil))
        {
            throw new CertificateRejectedException("The signing certificate has expired or is not yet valid.");
        }

        // The local sandbox signs with its own self-signed certificate; PayPal's chains to a public CA.
        if (!settings.TalksToLocalSandbox || !url.Host.Equals(settings.BaseUri.Host, StringComparison.OrdinalIgnoreCase))
        {
            EnsureIssuedToPayPal(leaf, chain);
        }

        var signing = new SigningCertificate(leaf.GetRSAPublicKey(), validFrom, validUntil);
        cache[certUrl] = signing;
        return signing.PublicKey;
    }

    private bool IsCurrent(DateTime validFromUtc, DateTime validUntilUtc)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return validFromUtc <= now && now <= validUntilUtc;
    }

    private sealed record SigningCertificate(RSA? PublicKey, DateTime ValidFromUtc, DateTime ValidUntilUtc);

    private static void EnsureIssuedToPayPal(X509Certificate2 leaf, X509Certificate2Collection chain)
    {
        using var builder = new X509Chain();
        builder.ChainPolicy.ExtraStore.AddRange(chain);
        builder.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var name = leaf.GetNameInfo(X509NameType.DnsName, forIssuer: false);
        if (!builder.Build(leaf) || !(name.Equals("paypal.com", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".paypal.com", StringComparison.OrdinalIgnoreCase)))
        {
            throw new CertificateRejectedException("The signing certificate is not PayPal's.");
        }
    }
}

internal sealed class CertificateRejectedException(string message) : Exception(message);
