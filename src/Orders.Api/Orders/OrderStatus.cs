namespace Orders.Api.Orders;

// The order state machine: every allowed transition is in this one table, and every status change
// in the service is a conditional UPDATE ... WHERE status = @expected built from it.
internal static class OrderStatus
{
    public const string Pending = "pending";
    public const string Paid = "paid";
    public const string Review = "review";       // money arrived but did not match the order
    public const string Canceled = "canceled";
    public const string Failed = "failed";
    public const string Refunded = "refunded";
    public const string Reversed = "reversed";
    public const string Expired = "expired";

    private static readonly Dictionary<string, string[]> AllowedFrom = new()
    {
        // Confirmed money always wins over an earlier "gave up" state: a customer who cancelled,
        // or whose order expired, and then paid after all must still get the license.
        [Paid] = [Pending, Canceled, Failed, Expired],
        [Review] = [Pending, Canceled, Failed, Expired],
        // Only an unpaid order is canceled: nothing undoes a payment but a refund or a reversal (a
        // reseller that cancels a delivered order is applied as a reversal).
        [Canceled] = [Pending],
        [Failed] = [Pending],
        [Expired] = [Pending],
        // A refund or reversal may overtake the completion event; it ends the order either way.
        [Refunded] = [Pending, Paid, Review, Failed, Canceled, Expired],
        [Reversed] = [Pending, Paid, Review, Refunded, Failed, Canceled, Expired],
    };

    public static IReadOnlyList<string> All { get; } = [Pending, Paid, Review, Canceled, Failed, Refunded, Reversed, Expired];

    public static IReadOnlyList<string> SourcesOf(string target) =>
        AllowedFrom.TryGetValue(target, out var from) ? from : [];

    public static bool CanMove(string from, string to) => SourcesOf(to).Contains(from);
}
