namespace Orders.Sandbox;

// Bound from "Sandbox:Avangate". DropNotifications and DuplicateDeliveries are only the start-up
// values: {prefix}/_settings replaces them at runtime.
public sealed class AvangateSandboxOptions : Webhooks.IDeliveryScheduleOptions
{
    public string MerchantCode { get; set; } = "SANDBOXMERCHANT";

    // "Secret Key" in the Control Panel: IPN and LCN signatures and read receipts.
    public string SecretKey { get; set; } = "sandbox-ipn-secret-key";

    // "Buy-Link Secret Word": the ConvertPlus buy-link signature. A different secret on purpose.
    public string BuyLinkSecret { get; set; } = "sandbox-buy-link-secret";

    // null → this server's own first http address + "/webhooks/avangate" (the in-process case).
    public string? IpnUrl { get; set; }

    // null → this server's own first http address + "/webhooks/avangate/lcn".
    public string? LcnUrl { get; set; }

    // null → this server's own first address, read when first needed (the port is only known after start).
    public string? PublicBaseUrl { get; set; }

    // A compressed version of 2Checkout's schedule (the first at once, 2 more within 5 minutes,
    // 4 more 15 minutes apart, then hourly for 2 days). The last value repeats once the list is exhausted.
    public int[] RetryDelaysSeconds { get; set; } = [1, 2, 2, 5, 5, 5, 5, 10];
    public int MaxDeliveryAttempts { get; set; } = 60;

    public bool DropNotifications { get; set; }
    public int DuplicateDeliveries { get; set; }

    // Which signature fields every notification carries: HASH, SIGNATURE_SHA2_256, SIGNATURE_SHA3_256.
    // SHA3-256 is only sent where the platform's crypto has it (HMACSHA3_256.IsSupported).
    public bool IncludeMd5 { get; set; } = true;
    public bool IncludeSha256 { get; set; } = true;
    public bool IncludeSha3 { get; set; } = true;
}
