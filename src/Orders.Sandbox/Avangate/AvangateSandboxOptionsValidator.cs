using Microsoft.Extensions.Options;

namespace Orders.Sandbox.Avangate;

internal sealed class AvangateSandboxOptionsValidator(string section) : IValidateOptions<AvangateSandboxOptions>
{
    public ValidateOptionsResult Validate(string? name, AvangateSandboxOptions options)
    {
        List<string> failures = [];
        if (string.IsNullOrWhiteSpace(options.MerchantCode))
        {
            failures.Add($"Set {section}:MerchantCode (the merchant= of every buy link; the service must use the same code).");
        }
        if (string.IsNullOrEmpty(options.SecretKey))
        {
            failures.Add($"Set {section}:SecretKey (signs IPNs and LCNs and checks read receipts; the service must use the same key).");
        }
        if (string.IsNullOrEmpty(options.BuyLinkSecret))
        {
            failures.Add($"Set {section}:BuyLinkSecret (the Buy-Link Secret Word that signs buy links; the service must use the same word).");
        }
        CheckUrl(options.IpnUrl, "IpnUrl", failures);
        CheckUrl(options.LcnUrl, "LcnUrl", failures);
        CheckUrl(options.PublicBaseUrl, "PublicBaseUrl", failures);
        if (options.RetryDelaysSeconds is not { Length: > 0 } delays || delays.Any(d => d < 0))
        {
            failures.Add($"Set {section}:RetryDelaysSeconds to at least one delay of 0 seconds or more.");
        }
        if (options.MaxDeliveryAttempts < 1)
        {
            failures.Add($"Set {section}:MaxDeliveryAttempts to 1 or more.");
        }
        if (options.DuplicateDeliveries is < 0 or > AvangateKnobs.MaxDuplicates)
        {
            failures.Add($"Set {section}:DuplicateDeliveries between 0 and {AvangateKnobs.MaxDuplicates}.");
        }
        if (!options.IncludeMd5 && !options.IncludeSha256 && !options.IncludeSha3)
        {
            failures.Add($"Set at least one of {section}:IncludeMd5, IncludeSha256 or IncludeSha3 to true (2Checkout always signs its notifications).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void CheckUrl(string? value, string key, List<string> failures)
    {
        if (value is not null
            && (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"Set {section}:{key} to an absolute http(s) URL, or leave it out to use this server's own address.");
        }
    }
}
