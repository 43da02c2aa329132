namespace Orders.Sandbox;

// Bound from "Sandbox:PayPal". The four knobs (DropWebhooks … FailApiCalls) are only the start-up
// values: {prefix}/_settings replaces them at runtime.
public sealed class PayPalSandboxOptions : Webhooks.IDeliveryScheduleOptions, Webhooks.IWebhookKnobOptions
{
    public string ClientId { get; set; } = "sandbox-client-id";
    public string ClientSecret { get; set; } = "sandbox-client-secret";
    public string WebhookId { get; set; } = "WH-ORDERS-SANDBOX";

    // null → this server's own first http address + "/webhooks/paypal" (the in-process case).
    public string? WebhookUrl { get; set; }

    // null → this server's own first address, read when first needed (the port is only known after start).
    public string? PublicBaseUrl { get; set; }

    // A compressed version of PayPal's schedule (PayPal retries up to 25 times over 3 days).
    // The last value repeats once the list is exhausted.
    public int[] RetryDelaysSeconds { get; set; } = [1, 2, 5, 10, 30, 60, 120, 300];
    public int MaxDeliveryAttempts { get; set; } = 25;

    public bool DropWebhooks { get; set; }
    public int DuplicateDeliveries { get; set; }
    public int DeliveryDelayMilliseconds { get; set; }
    public bool FailApiCalls { get; set; }

    public int TokenLifetimeSeconds { get; set; } = 32400;
}
