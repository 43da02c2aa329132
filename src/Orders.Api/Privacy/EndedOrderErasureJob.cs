using Hangfire;

namespace Orders.Api.Privacy;

// Erasures asked for while an order waited for its payment complete once the order has ended
// (CustomerData.EraseEndedRequestsAsync). Runs five minutes past the hour, after the hourly expiry
// of unpaid orders, so an order expired in that run is erased in this one.
internal sealed class EndedOrderErasureJob(CustomerData customerData)
{
    public const string RecurringJobId = "erase-ended-orders";

    public const string Schedule = "5 * * * *";

    // Orders erased per run; more wait for the next run.
    internal const int BatchSize = 500;

    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(300)]
    public Task RunAsync(CancellationToken cancellationToken) => EraseEndedOrdersAsync(cancellationToken);

    public Task<int> EraseEndedOrdersAsync(CancellationToken ct) => customerData.EraseEndedRequestsAsync(BatchSize, ct);
}
