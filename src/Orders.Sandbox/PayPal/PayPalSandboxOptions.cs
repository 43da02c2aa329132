using System.ComponentModel.DataAnnotations;

namespace Orders.Sandbox;

// Bound from "Sandbox:PayPal". A compressed version of PayPal's retry schedule (PayPal retries up
// to 25 times over 3 days).
public sealed class PayPalSandboxOptions() : WebhookSandboxOptions([1, 2, 5, 10, 30, 60, 120, 300], 25)
{
    [Required(ErrorMessage = "{0} (the client id the adapter sends with Basic auth)")]
    public string ClientId { get; set; } = "sandbox-client-id";

    [Required(ErrorMessage = "{0} (the client secret the adapter sends with Basic auth)")]
    public string ClientSecret { get; set; } = "sandbox-client-secret";

    [Required(ErrorMessage = "{0} (part of every webhook signature; the service must use the same id)")]
    public string WebhookId { get; set; } = "WH-ORDERS-SANDBOX";

    [Range(1, int.MaxValue, ErrorMessage = "{0} to 1 or more")]
    public int TokenLifetimeSeconds { get; set; } = 32400;
}
