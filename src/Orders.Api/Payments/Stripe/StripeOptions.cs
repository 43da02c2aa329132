using Microsoft.Extensions.Options;
using Orders.Api.Hosting;
using Orders.Sandbox;

namespace Orders.Api.Payments.Stripe;

internal sealed class StripeOptions
{
    public const string Section = "Stripe";

    // Stripe.net's ApiBase. Empty: https://api.stripe.com, or the in-process sandbox under
    // /sandbox/stripe while the local sandbox is on.
    public string? ApiBase { get; set; }

    // The secret API key (sk_live_… / sk_test_… or a restricted rk_… key); setting it enables Stripe.
    public string? SecretKey { get; set; }

    // The signing secret (whsec_…) of this service's webhook endpoint in Stripe's dashboard.
    public string? WebhookSecret { get; set; }

    // How long a Checkout Session can be paid (its expires_at); Stripe allows 30 minutes to 24 hours.
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(2);
}

// The Stripe settings in force, with the local sandbox filled in where it is on.
internal sealed class StripeSettings(
    IOptions<StripeOptions> options,
    SandboxMode sandboxMode,
    IOptions<StripeSandboxOptions> sandbox,
    PublicAddress publicAddress)
{
    public const string SandboxPrefix = "/sandbox/stripe";
    public const string DefaultApiBase = "https://api.stripe.com";

    public StripeOptions Options => options.Value;

    public bool SandboxOn => sandboxMode.Enabled;

    // Stripe.net appends /v1/… to it, so no trailing slash.
    public string ApiBase => !string.IsNullOrWhiteSpace(options.Value.ApiBase)
        ? options.Value.ApiBase.TrimEnd('/')
        : SandboxOn
            ? publicAddress.Resolve(SandboxPrefix).AbsoluteUri.TrimEnd('/')
            : DefaultApiBase;

    public string SecretKey => Pick(options.Value.SecretKey, sandbox.Value.SecretKey, "Stripe:SecretKey");

    public string WebhookSecret => Pick(options.Value.WebhookSecret, sandbox.Value.WebhookSecret, "Stripe:WebhookSecret");

    private string Pick(string? configured, string sandboxValue, string setting) =>
        !string.IsNullOrWhiteSpace(configured) ? configured
        : SandboxOn ? sandboxValue
        : throw new InvalidOperationException($"Set {setting}.");
}
