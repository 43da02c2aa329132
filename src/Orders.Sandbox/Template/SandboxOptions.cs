using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Orders.Sandbox;

// What every stand-in's options have: its own address, its delivery schedule and the start-up
// values of the knobs that {prefix}/_settings replaces at runtime. Every message starts with the
// setting's name; the validator prefixes the section ("Set Sandbox:PayPal:…").
public abstract class SandboxOptions(int[] retryDelaysSeconds, int maxDeliveryAttempts) : IValidatableObject
{
    // null → this server's own first address, read when first needed (the port is only known after start).
    [HttpUrl]
    public string? PublicBaseUrl { get; set; }

    // A compressed version of the provider's schedule; the last value repeats once the list is exhausted.
    [MinLength(1, ErrorMessage = "{0} to at least one delay of 0 seconds or more")]
    public int[] RetryDelaysSeconds { get; set; } = retryDelaysSeconds;

    [Range(1, int.MaxValue, ErrorMessage = "{0} to 1 or more")]
    public int MaxDeliveryAttempts { get; set; } = maxDeliveryAttempts;

    [Range(0, Template.SandboxKnobs.MaxDuplicates, ErrorMessage = "{0} between {1} and {2}")]
    public int DuplicateDeliveries { get; set; }

    [Range(0, Template.SandboxKnobs.MaxDelayMilliseconds, ErrorMessage = "{0} between {1} and {2}")]
    public int DeliveryDelayMilliseconds { get; set; }

    public bool FailApiCalls { get; set; }

    // DropWebhooks or DropNotifications, as the provider calls its deliveries.
    internal abstract bool DropDeliveries { get; }

    public virtual IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RetryDelaysSeconds.Any(d => d < 0))
        {
            yield return new ValidationResult("RetryDelaysSeconds to at least one delay of 0 seconds or more", [nameof(RetryDelaysSeconds)]);
        }
    }
}

// PayPal and Stripe: JSON events POSTed to one webhook URL.
public abstract class WebhookSandboxOptions(int[] retryDelaysSeconds, int maxDeliveryAttempts) : SandboxOptions(retryDelaysSeconds, maxDeliveryAttempts)
{
    // null → this server's own first http address + "/webhooks/{provider}" (the in-process case).
    [HttpUrl]
    public string? WebhookUrl { get; set; }

    public bool DropWebhooks { get; set; }

    internal override bool DropDeliveries => DropWebhooks;
}

// An absolute http(s) URL or nothing.
[AttributeUsage(AttributeTargets.Property)]
public sealed class HttpUrlAttribute() : ValidationAttribute("{0} to an absolute http(s) URL, or leave it out to use this server's own address")
{
    public override bool IsValid(object? value) =>
        value is null || (value is string text && Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps));
}

// One validator for every stand-in: the options' data annotations, each failure naming its setting.
internal sealed class SandboxOptionsValidator<TOptions>(string section) : IValidateOptions<TOptions>
    where TOptions : SandboxOptions
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        List<ValidationResult> results = [];
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(results.Select(r => $"Set {section}:{r.ErrorMessage}."));
    }
}
