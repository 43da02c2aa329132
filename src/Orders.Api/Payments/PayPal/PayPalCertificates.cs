using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Orders.Api.Payments.PayPal;

internal readonly record struct CertificateLookup(WebhookVerdict Verdict, string Reason, RSA? PublicKey)
{
    public static CertificateLookup Found(RSA? publicKey) => new(WebhookVerdict.Valid, "", publicKey);

    public static CertificateLookup Forged(string reason) => new(WebhookVerdict.Forged, reason, null);

    public static CertificateLookup Unavailable(string reason) => new(WebhookVerdict.Unavailable, reason, null);
}

// PayPal's signing certificates by URL. The URL comes from an unverified header (the signature can
// only be checked with the certificate), so everything here is bounded by what PayPal can serve,
// not by what a sender can write: certificates are kept under the URL's normalised form (scheme,
// host, port, path; a query or fragment is refused), at most MaxCertificates of them; a failed
// download is remembered for FailureMemory (at most MaxRememberedFailures URLs) instead of being
// repeated; concurrent webhooks naming one uncached URL share one download; and the download is not
// retried (PayPal redelivers a webhook answered 503). The public key is decoded once per
// certificate: decoding it per webhook cost more than verifying the signature.
internal sealed class PayPalCertificates(IHttpClientFactory httpClientFactory, PayPalSettings settings, TimeProvider time)
{
    public const string HttpClientName = "paypal-certificates";
    public const int MaxCertificates = 64;
    public const int MaxRememberedFailures = 4096;
    public static readonly TimeSpan FailureMemory = TimeSpan.FromMinutes(1);
    private const int MaxCertificateBytes = 64 * 1024;

    private readonly ConcurrentDictionary<string, SigningCertificate> cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<CertificateLookup>>> downloads = new(StringComparer.Ordinal);
    private readonly RecentFailures failures = new(MaxRememberedFailures);

    internal int CachedCount => cache.Count;

    internal int RememberedFailureCount => failures.Count;

    public async ValueTask<CertificateLookup> GetAsync(string certUrl, CancellationToken ct)
    {
        // PayPal's URLs are already in normal form, so a known certificate is found without parsing.
        if (TryCurrent(certUrl) is { } known)
        {
            return known;
        }

        if (certUrl.AsSpan().IndexOfAny('?', '#') >= 0)
        {
            return CertificateLookup.Forged("PAYPAL-CERT-URL must not carry a query or fragment.");
        }

        if (!Uri.TryCreate(certUrl, UriKind.Absolute, out var url) || url.UserInfo.Length > 0 || !settings.IsTrustedCertUrl(url))
        {
            return CertificateLookup.Forged("PAYPAL-CERT-URL does not point at PayPal.");
        }

        var key = url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
        if ((key == certUrl ? null : TryCurrent(key)) is { } found)
        {
            return found;
        }

        if (failures.TryGet(key, time.GetUtcNow()) is { } failed)
        {
            return failed;
        }

        var mine = new Lazy<Task<CertificateLookup>>(() => DownloadOnceAsync(key, url));
        var shared = downloads.GetOrAdd(key, mine);
        return await shared.Value.WaitAsync(ct);
    }

    private CertificateLookup? TryCurrent(string key) =>
        cache.TryGetValue(key, out var cached) && IsCurrent(cached.ValidFromUtc, cached.ValidUntilUtc) ? CertificateLookup.Found(cached.PublicKey) : null;

    // Runs once per URL at a time, for every webhook waiting on it, so no webhook's cancellation
    // cancels it; the client's own timeout bounds it.
    private async Task<CertificateLookup> DownloadOnceAsync(string key, Uri url)
    {
        try
        {
            // A download that finished just before this one was started has already left its result.
            if (TryCurrent(key) is { } found)
            {
                return found;
            }

            if (failures.TryGet(key, time.GetUtcNow()) is { } failed)
            {
                return failed;
            }

            CertificateLookup outcome;
            try
            {
                var signing = await DownloadAsync(url);
                Keep(key, signing);
                return CertificateLookup.Found(signing.PublicKey);
            }
            catch (CertificateRejectedException e)
            {
                outcome = CertificateLookup.Forged(e.Message);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or TimeoutException
                or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException)
            {
                outcome = CertificateLookup.Unavailable("PayPal's signing certificate could not be fetched.");
            }

            failures.Remember(key, outcome, time.GetUtcNow() + FailureMemory);
            return outcome;
        }
        finally
        {
            downloads.TryRemove(key, out _);
        }
    }

    private async Task<SigningCertificate> DownloadAsync(Uri url)
    {
        var http = httpClientFactory.CreateClient(HttpClientName);
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            throw (int)response.StatusCode >= 500
                ? new HttpRequestException($"Certificate download answered {(int)response.StatusCode}.")
                : new CertificateRejectedException("PAYPAL-CERT-URL does not name a certificate.");
        }

        if (response.Content.Headers.ContentLength > MaxCertificateBytes)
        {
            throw new CertificateRejectedException("The certificate download is too large.");
        }

        var bytes = await response.Content.ReadAsByteArrayAsync();
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

        return new SigningCertificate(leaf.GetRSAPublicKey(), validFrom, validUntil);
    }

    // Only URLs on PayPal's hosts that served PayPal's certificate get here, so the bound is never
    // reached in practice; if it is, expired entries go first, then any.
    private void Keep(string key, SigningCertificate signing)
    {
        if (cache.Count >= MaxCertificates)
        {
            foreach (var (url, cached) in cache)
            {
                if (!IsCurrent(cached.ValidFromUtc, cached.ValidUntilUtc))
                {
                    cache.TryRemove(url, out _);
                }
            }

            while (cache.Count >= MaxCertificates && cache.Keys.FirstOrDefault() is { } any)
            {
                cache.TryRemove(any, out _);
            }
        }

        cache[key] = signing;
    }

    private bool IsCurrent(DateTime validFromUtc, DateTime validUntilUtc)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return validFromUtc <= now && now <= validUntilUtc;
    }

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

    private sealed record SigningCertificate(RSA? PublicKey, DateTime ValidFromUtc, DateTime ValidUntilUtc);

    // Failed downloads by URL until they may be tried again; the oldest is forgotten first when full.
    private sealed class RecentFailures(int capacity)
    {
        private readonly Lock gate = new();
        private readonly Dictionary<string, LinkedListNode<(string Key, CertificateLookup Outcome, DateTimeOffset Until)>> byKey = new(StringComparer.Ordinal);
        private readonly LinkedList<(string Key, CertificateLookup Outcome, DateTimeOffset Until)> oldestFirst = new();

        public int Count
        {
            get
            {
                lock (gate)
                {
                    return byKey.Count;
                }
            }
        }

        public CertificateLookup? TryGet(string key, DateTimeOffset now)
        {
            lock (gate)
            {
                return byKey.TryGetValue(key, out var node) && node.Value.Until > now ? node.Value.Outcome : null;
            }
        }

        public void Remember(string key, CertificateLookup outcome, DateTimeOffset until)
        {
            lock (gate)
            {
                if (byKey.Remove(key, out var previous))
                {
                    oldestFirst.Remove(previous);
                }

                byKey[key] = oldestFirst.AddLast((key, outcome, until));
                while (byKey.Count > capacity && oldestFirst.First is { } oldest)
                {
                    oldestFirst.RemoveFirst();
                    byKey.Remove(oldest.Value.Key);
                }
            }
        }
    }
}

internal sealed class CertificateRejectedException(string message) : Exception(message);
