using Microsoft.Extensions.Options;
using Orders.Api.Hosting;
using Orders.Sandbox;

namespace Orders.Api.Payments.PayPal;

internal sealed class PayPalOptions
{
    public const string Section = "PayPal";

    // https://api-m.paypal.com (live) or https://api-m.sandbox.paypal.com. Empty while the local
    // sandbox is on: then the in-process sandbox under /sandbox/paypal is used.
    public string? BaseUrl { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    // The id of this service's webhook subscription in PayPal's dashboard; part of every signature.
    public string? WebhookId { get; set; }

    public string BrandName { get; set; } = "Orders";

    // PayPal signs every transmission when it sends it (a retry is a new transmission with its own id,
    // time and signature), so a genuine delivery is seconds old; this allows for clock skew and slow
    // networks. Older ones are refused (401) and PayPal retries them freshly signed. Inside the window
    // a transmission id is accepted with one body only (webhook_transmissions), and whatever a
    // notification says is confirmed with PayPal's API before anything changes.
    public TimeSpan WebhookMaxAge { get; set; } = TimeSpan.FromMinutes(15);
}

// The PayPal settings in force, with the local sandbox filled in where it is on.
internal sealed class PayPalSettings(
    IOptions<PayPalOptions> options,
    SandboxMode sandboxMode,
    IOptions<PayPalSandboxOptions> sandbox,
    PublicAddress publicAddress,
    IHostEnvironment environment)
{
    public const string SandboxPrefix = "/sandbox/paypal";

    public bool SandboxOn => sandboxMode.Enabled;

    public Uri BaseUri => !string.IsNullOrWhiteSpace(options.Value.BaseUrl)
        ? new Uri(options.Value.BaseUrl.TrimEnd('/') + "/")
        : SandboxOn
            ? publicAddress.Resolve(SandboxPrefix + "/")
            : throw new InvalidOperationException("Set PayPal:BaseUrl (e.g. https://api-m.paypal.com).");

    public string ClientId => Pick(options.Value.ClientId, sandbox.Value.ClientId, "PayPal:ClientId");

    public string ClientSecret => Pick(options.Value.ClientSecret, sandbox.Value.ClientSecret, "PayPal:ClientSecret");

    public string WebhookId => Pick(options.Value.WebhookId, sandbox.Value.WebhookId, "PayPal:WebhookId");

    public string BrandName => options.Value.BrandName;

    public TimeSpan WebhookMaxAge => options.Value.WebhookMaxAge;

    // A sandbox on this machine: mounted in-process, or running as its own process on a loopback
    // address (outside Production only). Its self-signed certificate is trusted; nothing else is.
    public bool TalksToLocalSandbox => SandboxOn || (!environment.IsProduction() && BaseUri.IsLoopback);

    // Certificates are only trusted from PayPal's own hosts over HTTPS, and from the local
    // sandbox's address while a local sandbox is in use.
    public bool IsTrustedCertUrl(Uri url)
    {
        if (url.Scheme == Uri.UriSchemeHttps && url.IsDefaultPort &&
            (url.Host.Equals("paypal.com", StringComparison.OrdinalIgnoreCase) || url.Host.EndsWith(".paypal.com", StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        if (!TalksToLocalSandbox)
        {
            return false;
        }

        var sandboxBase = BaseUri;
        return url.Scheme == sandboxBase.Scheme
            && url.Host.Equals(sandboxBase.Host, StringComparison.OrdinalIgnoreCase)
            && url.Port == sandboxBase.Port
            && url.AbsolutePath.StartsWith(sandboxBase.AbsolutePath, StringComparison.Ordinal);
    }

    private string Pick(string? configured, string sandboxValue, string setting) =>
        !string.IsNullOrWhiteSpace(configured) ? configured
        : SandboxOn ? sandboxValue
        : throw new InvalidOperationException($"Set {setting}.");
}
