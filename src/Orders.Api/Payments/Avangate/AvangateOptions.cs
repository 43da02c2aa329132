using Microsoft.Extensions.Options;
using Orders.Api.Hosting;
using Orders.Sandbox;

namespace Orders.Api.Payments.Avangate;

internal sealed class AvangateOptions
{
    public const string Section = "Avangate";

    // ConvertPlus hosted cart, e.g. https://secure.2checkout.com/checkout/buy. Empty while the local
    // sandbox is on: then the in-process sandbox's cart is used.
    public string? CheckoutUrl { get; set; }

    public string? MerchantCode { get; set; }

    // The account's "Secret Key": signs IPN and LCN notifications and our read receipts.
    public string? SecretKey { get; set; }

    // The "Buy-Link Secret Word": signs the buy-links we hand out.
    public string? BuyLinkSecret { get; set; }

    // Deliver on PAYMENT_AUTHORIZED with FRAUD_STATUS=APPROVED instead of waiting for COMPLETE.
    public bool AcceptAuthorized { get; set; }

    // Accept notifications signed only with the legacy HMAC-MD5 HASH field.
    public bool AllowMd5 { get; set; }

    // Apply TEST_ORDER=1 notifications outside the sandbox (a staging account).
    public bool AcceptTestOrders { get; set; }

    // Notifications whose IPN_DATE (IPN) or DATE_UPDATED (LCN) is further than this from now are
    // refused as replays. The reseller retries for two days; its clock's time zone is not
    // documented, hence the margin.
    public TimeSpan NotificationMaxAge { get; set; } = TimeSpan.FromDays(3);

    // Fields the reseller has started sending, as "NAME after EXISTING" (e.g. "IPN_NEW_FIELD[] after
    // IPN_PRICE[]"): a notification with a field name not in the known list is refused.
    public List<string> AddedIpnFields { get; set; } = [];

    public List<string> AddedLcnFields { get; set; } = [];

    // How long a buy-link stays valid (its signed "expiration").
    public TimeSpan LinkLifetime { get; set; } = TimeSpan.FromHours(2);

    // Catalog product codes at the reseller by our sku; a sku without one is sold as a dynamic product.
    public Dictionary<string, string> ProductCodes { get; set; } = [];
}

// The reseller settings in force, with the local sandbox filled in where it is on.
internal sealed class AvangateSettings(
    IOptions<AvangateOptions> options,
    SandboxMode sandboxMode,
    IOptions<AvangateSandboxOptions> sandbox,
    PublicAddress publicAddress)
{
    public const string SandboxPrefix = "/sandbox/avangate";

    private AvangateFieldOrder? ipnFields;
    private AvangateFieldOrder? lcnFields;

    public AvangateOptions Options => options.Value;

    public bool SandboxOn => sandboxMode.Enabled;

    public Uri CheckoutUri => !string.IsNullOrWhiteSpace(options.Value.CheckoutUrl)
        ? new Uri(options.Value.CheckoutUrl)
        : SandboxOn
            ? publicAddress.Resolve(SandboxPrefix + "/checkout/buy")
            : throw new InvalidOperationException("Set Avangate:CheckoutUrl (e.g. https://secure.2checkout.com/checkout/buy).");

    public string MerchantCode => Pick(options.Value.MerchantCode, sandbox.Value.MerchantCode, "Avangate:MerchantCode");

    public string SecretKey => Pick(options.Value.SecretKey, sandbox.Value.SecretKey, "Avangate:SecretKey");

    public string BuyLinkSecret => Pick(options.Value.BuyLinkSecret, sandbox.Value.BuyLinkSecret, "Avangate:BuyLinkSecret");

    public bool AcceptTestOrders => SandboxOn || options.Value.AcceptTestOrders;

    public AvangateFieldOrder IpnFields => ipnFields ??= AvangateFieldOrder.With(AvangateFieldOrder.Ipn, options.Value.AddedIpnFields);

    public AvangateFieldOrder LcnFields => lcnFields ??= AvangateFieldOrder.With(AvangateFieldOrder.Lcn, options.Value.AddedLcnFields);

    private string Pick(string? configured, string sandboxValue, string setting) =>
        !string.IsNullOrWhiteSpace(configured) ? configured
        : SandboxOn ? sandboxValue
        : throw new InvalidOperationException($"Set {setting}.");
}
