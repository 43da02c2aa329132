using System.ComponentModel.DataAnnotations;

namespace Orders.Sandbox;

// Bound from "Sandbox:Stripe". A compressed version of Stripe's retry schedule (live mode:
// exponential backoff for up to 3 days).
public sealed class StripeSandboxOptions() : WebhookSandboxOptions([1, 1, 2, 5, 10, 30, 60, 120], 20)
{
    // The API version of Stripe.net 53.1.0 (StripeConfiguration.ApiVersion). The service mounting the
    // sandbox in-process sets ApiVersion from its own Stripe.net, so this only matters on its own.
    public const string DefaultApiVersion = "2026-10-28.endive";

    // The account's secret API key: every /v1 call must carry it (Bearer, or Basic with an empty password).
    [Required(ErrorMessage = "{0} (the secret API key the service sends; the service must use the same key)")]
    public string SecretKey { get; set; } = "sk_test_orders_sandbox";

    // The webhook endpoint's signing secret; the whole "whsec_…" string is the HMAC key.
    [Required(ErrorMessage = "{0} (signs every webhook; the service must use the same whsec_… secret)")]
    public string WebhookSecret { get; set; } = "whsec_orders_sandbox";

    // During a secret roll Stripe signs with the old secret too (a second v1 in Stripe-Signature).
    public string? PreviousWebhookSecret { get; set; }

    // The webhook endpoint's API version: what every event's api_version says. yyyy-MM-dd, optionally
    // .train (versions before 2024-09-30 have no train).
    [RegularExpression(@"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$", ErrorMessage = "{0} to a Stripe API version such as " + DefaultApiVersion + ", or leave it out")]
    public string? ApiVersion { get; set; }
}
