namespace Orders.Sandbox;

// Bound from "Sandbox:Stripe". The four knobs (DropWebhooks … FailApiCalls) are only the start-up
// values: {prefix}/_settings replaces them at runtime.
public sealed class StripeSandboxOptions : Webhooks.IDeliveryScheduleOptions, Webhooks.IWebhookKnobOptions
{
    // The API version of Stripe.net 53.1.0 (StripeConfiguration.ApiVersion). The service mounting the
    // sandbox in-process sets ApiVersion from its own Stripe.net, so this only matters on its own.
    public const string DefaultApiVersion = "2026-10-28.endive";

    // The account's secret API key: every /v1 call must carry it (Bearer, or Basic with an empty password).
    public string SecretKey { get; set; } = "sk_test_orders_sandbox";

    // The webhook endpoint's signing secret; the whole "whsec_…" string is the HMAC key.
    public string WebhookSecret { get; set; } = "whsec_orders_sandbox";

    // During a secret roll Stripe signs with the old secret too (a second v1 in Stripe-Signature).
    public string? PreviousWebhookSecret { get; set; }

    // The webhook endpoint's API version: what every event's api_version says.
    public string? ApiVersion { get; set; }

    // null → this server's own first http address + "/webhooks/stripe" (the in-process case).
    public string? WebhookUrl { get; set; }

    // null → this server's own first address, read when first needed (the port is only known after start).
    public string? PublicBaseUrl { get; set; }

    // A compressed version of Stripe's schedule (live mode: exponential backoff for up to 3 days).
    // The last value repeats once the list is exhausted.
    public int[] RetryDelaysSeconds { get; set; } = [1, 1, 2, 5, 10, 30, 60, 120];
    public int MaxDeliveryAttempts { get; set; } = 20;

    public bool DropWebhooks { get; set; }
    public int DuplicateDeliveries { get; set; }
    public int DeliveryDelayMilliseconds { get; set; }
    public bool FailApiCalls { get; set; }
}
