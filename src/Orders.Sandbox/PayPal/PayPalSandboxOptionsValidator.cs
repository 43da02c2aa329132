using Microsoft.Extensions.Options;

using Orders.Sandbox.Webhooks;

namespace Orders.Sandbox.PayPal;

internal sealed class PayPalSandboxOptionsValidator(string section) : IValidateOptions<PayPalSandboxOptions>
{
    public ValidateOptionsResult Validate(string? name, PayPalSandboxOptions options)
    {
        List<string> failures = [];
        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            failures.Add($"Set {section}:ClientId (the client id the adapter sends with Basic auth).");
        }
        if (string.IsNullOrWhiteSpace(options.ClientSecret))
        {
            failures.Add($"Set {section}:ClientSecret (the client secret the adapter sends with Basic auth).");
        }
        if (string.IsNullOrWhiteSpace(options.WebhookId))
        {
            failures.Add($"Set {section}:WebhookId (part of every webhook signature; the service must use the same id).");
        }
        CheckUrl(options.WebhookUrl, "WebhookUrl", failures);
        CheckUrl(options.PublicBaseUrl, "PublicBaseUrl", failures);
        if (options.RetryDelaysSeconds is not { Length: > 0 } delays || delays.Any(d => d < 0))
        {
            failures.Add($"Set {section}:RetryDelaysSeconds to at least one delay of 0 seconds or more.");
        }
        if (options.MaxDeliveryAttempts < 1)
        {
            failures.Add($"Set {section}:MaxDeliveryAttempts to 1 or more.");
        }
        if (options.DuplicateDeliveries is < 0 or > SandboxKnobs.MaxDuplicates)
        {
            failures.Add($"Set {section}:DuplicateDeliveries between 0 and {SandboxKnobs.MaxDuplicates}.");
        }
        if (options.DeliveryDelayMilliseconds is < 0 or > SandboxKnobs.MaxDelayMilliseconds)
        {
            failures.Add($"Set {section}:DeliveryDelayMilliseconds between 0 and {SandboxKnobs.MaxDelayMilliseconds}.");
        }
        if (options.TokenLifetimeSeconds < 1)
        {
            failures.Add($"Set {section}:TokenLifetimeSeconds to 1 or more.");
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
