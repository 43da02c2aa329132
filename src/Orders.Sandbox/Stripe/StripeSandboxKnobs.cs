using Microsoft.Extensions.Options;

namespace Orders.Sandbox.Stripe;

// The chaos knobs as one immutable value, so a reader never sees half of a replacement.
internal sealed record StripeKnobs(
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

internal sealed class StripeSandboxKnobs(IOptions<StripeSandboxOptions> options)
{
    private volatile StripeKnobs? current;

    public StripeKnobs Current => current ??= new StripeKnobs(
        options.Value.DropWebhooks,
        options.Value.DuplicateDeliveries,
        options.Value.DeliveryDelayMilliseconds,
        options.Value.FailApiCalls);

    public void Replace(StripeKnobs knobs) => current = knobs;
}
