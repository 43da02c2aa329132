using System.ComponentModel.DataAnnotations;

namespace Orders.Sandbox;

// Bound from "Sandbox:Avangate". A compressed version of 2Checkout's schedule (the first at once,
// 2 more within 5 minutes, 4 more 15 minutes apart, then hourly for 2 days).
public sealed class AvangateSandboxOptions() : SandboxOptions([1, 2, 2, 5, 5, 5, 5, 10], 60)
{
    [Required(ErrorMessage = "{0} (the merchant= of every buy link; the service must use the same code)")]
    public string MerchantCode { get; set; } = "SANDBOXMERCHANT";

    // "Secret Key" in the Control Panel: IPN and LCN signatures and read receipts.
    [Required(ErrorMessage = "{0} (signs IPNs and LCNs and checks read receipts; the service must use the same key)")]
    public string SecretKey { get; set; } = "sandbox-ipn-secret-key";

    // "Buy-Link Secret Word": the ConvertPlus buy-link signature. A different secret on purpose.
    [Required(ErrorMessage = "{0} (the Buy-Link Secret Word that signs buy links; the service must use the same word)")]
    public string BuyLinkSecret { get; set; } = "sandbox-buy-link-secret";

    // null → this server's own first http address + "/webhooks/avangate" (the in-process case).
    [HttpUrl]
    public string? IpnUrl { get; set; }

    // null → this server's own first http address + "/webhooks/avangate/lcn".
    [HttpUrl]
    public string? LcnUrl { get; set; }

    public bool DropNotifications { get; set; }

    // Which signature fields every notification carries: HASH, SIGNATURE_SHA2_256, SIGNATURE_SHA3_256.
    // SHA3-256 is only sent where the platform's crypto has it (HMACSHA3_256.IsSupported).
    public bool IncludeMd5 { get; set; } = true;
    public bool IncludeSha256 { get; set; } = true;
    public bool IncludeSha3 { get; set; } = true;

    internal override bool DropDeliveries => DropNotifications;

    public override IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IncludeMd5 && !IncludeSha256 && !IncludeSha3)
        {
            yield return new ValidationResult("IncludeMd5, IncludeSha256 or IncludeSha3 to true (2Checkout always signs its notifications)");
        }
        foreach (var result in base.Validate(validationContext))
        {
            yield return result;
        }
    }
}
