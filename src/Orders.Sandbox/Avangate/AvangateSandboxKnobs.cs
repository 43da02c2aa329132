using Microsoft.Extensions.Options;

namespace Orders.Sandbox.Avangate;

// The chaos knobs as one immutable value, so a reader never sees half of a replacement.
internal sealed record AvangateKnobs(bool DropNotifications = false, int DuplicateDeliveries = 0)
{
    public const int MaxDuplicates = 10;

    public Dictionary<string, string[]> Problems()
    {
        Dictionary<string, string[]> problems = [];
        if (DuplicateDeliveries is < 0 or > MaxDuplicates)
        {
            problems["duplicateDeliveries"] = [$"Must be between 0 and {MaxDuplicates}."];
        }
        return problems;
    }
}

internal sealed class AvangateSandboxKnobs(IOptions<AvangateSandboxOptions> options)
{
    private volatile AvangateKnobs? current;

    public AvangateKnobs Current => current ??= new AvangateKnobs(options.Value.DropNotifications, options.Value.DuplicateDeliveries);

    public void Replace(AvangateKnobs knobs) => current = knobs;
}
