using Microsoft.Extensions.Options;

namespace Orders.Sandbox.Webhooks;

// The chaos knobs as one immutable value, so a reader never sees half of a replacement.
internal sealed record SandboxKnobs(
    bool DropWebhooks = false,
    int DuplicateDeliveries = 0,
    int DeliveryDelayMilliseconds = 0,
    bool FailApiCalls = false)
{
    public const int MaxDuplicates = 10;
    public const int MaxDelayMilliseconds = 600_000;

    public Dictionary<string, string[]> Problems()
    {
        Dictionary<string, string[]> problems = [];
        if (DuplicateDeliveries is < 0 or > MaxDuplicates)
        {
            problems["duplicateDeliveries"] = [$"Must be between 0 and {MaxDuplicates}."];
        }
        if (DeliveryDelayMilliseconds is < 0 or > MaxDelayMilliseconds)
        {
            problems["deliveryDelayMilliseconds"] = [$"Must be between 0 and {MaxDelayMilliseconds}."];
        }
        return problems;
    }
}

// The start-up values of the knobs, from a stand-in's options.
internal interface IWebhookKnobOptions
{
    bool DropWebhooks { get; }

    int DuplicateDeliveries { get; }

    int DeliveryDelayMilliseconds { get; }

    bool FailApiCalls { get; }
}

// The knobs in force: the configured ones until a test replaces them through /_settings.
internal abstract class WebhookKnobs<TOptions>(IOptions<TOptions> options)
    where TOptions : class, IWebhookKnobOptions
{
    private volatile SandboxKnobs? current;

    public SandboxKnobs Current => current ??= new SandboxKnobs(
        options.Value.DropWebhooks,
        options.Value.DuplicateDeliveries,
        options.Value.DeliveryDelayMilliseconds,
        options.Value.FailApiCalls);

    public void Replace(SandboxKnobs knobs) => current = knobs;
}
