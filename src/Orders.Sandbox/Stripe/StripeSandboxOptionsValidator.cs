using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

using Orders.Sandbox.Webhooks;

namespace Orders.Sandbox.Stripe;

internal sealed partial class StripeSandboxOptionsValidator(string section) : IValidateOptions<StripeSandboxOptions>
{
    public ValidateOptionsResult Validate(string? name, StripeSandboxOptions options)
    {
        List<string> failures = [];
        if (string.IsNullOrWhiteSpace(options.SecretKey))
        {
            failures.Add($"Set {section}:SecretKey (the secret API key the service sends; the service must use the same key).");
        }
        if (string.IsNullOrWhiteSpace(options.WebhookSecret))
        {
            failures.Add($"Set {section}:WebhookSecret (signs every webhook; the service must use the same whsec_… secret).");
        }
        if (options.ApiVersion is not null && !ApiVersionPattern().IsMatch(options.ApiVersion))
        {
            failures.Add($"Set {section}:ApiVersion to a Stripe API version such as {StripeSandboxOptions.DefaultApiVersion}, or leave it out.");
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
        var knobs = new SandboxKnobs(options.DropWebhooks, options.DuplicateDeliveries, options.DeliveryDelayMilliseconds, options.FailApiCalls);
        failures.AddRange(knobs.Problems().Select(p => $"{section}:{char.ToUpperInvariant(p.Key[0])}{p.Key[1..]}: {string.Join(" ", p.Value)}"));
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

    // yyyy-MM-dd, optionally .train (versions before 2024-09-30 have no train).
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex ApiVersionPattern();
}
