using Dapper;
using Hangfire;
using Microsoft.Extensions.Options;
using Orders.Api.Data;
using Orders.Api.Payments;
using Orders.Api.Webhooks;

namespace Orders.Api.Processing;

// Webhooks do get lost. Every few minutes each order still pending after a while is asked about at
// its provider; what the provider says is stored and applied exactly like a webhook, so an order
// paid at the provider but never notified still ends paid and licensed.
internal sealed partial class ReconciliationJob(
    Db db,
    PaymentProviders providers,
    Inbox inbox,
    PaymentEventApplier applier,
    IOptions<MaintenanceOptions> options,
    TimeProvider time,
    ILogger<ReconciliationJob> logger)
{
    public const string RecurringJobId = "reconcile-pending-orders";

    private static readonly Dialect PendingOrdersSql = new(
        Sqlite: """
            SELECT order_number AS OrderNumber, provider AS Provider, provider_order_ref AS ProviderOrderRef, provider_transaction_ref AS TransactionRef
            FROM orders
            WHERE status = 'pending' AND created_at <= @OlderThan AND created_at > @ExpiresBefore
            ORDER BY created_at LIMIT @Limit
            """,
        SqlServer: """
            SELECT TOP (@Limit) order_number AS OrderNumber, provider AS Provider, provider_order_ref AS ProviderOrderRef, provider_transaction_ref AS TransactionRef
            FROM orders
            WHERE status = 'pending' AND created_at <= @OlderThan AND created_at > @ExpiresBefore
            ORDER BY created_at
            """);

    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(300)]
    public async Task RunAsync(CancellationToken cancellationToken) => await ReconcileAsync(cancellationToken);

    public async Task<int> ReconcileAsync(CancellationToken ct)
    {
        var o = options.Value;
        var now = time.GetUtcNow().UtcDateTime;
        List<PendingOrder> pending;
        await using (var connection = await db.OpenAsync(ct))
        {
            pending = [.. await connection.QueryAsync<PendingOrder>(new CommandDefinition(db.Pick(PendingOrdersSql),
                new { OlderThan = now - o.ReconcileAfter, ExpiresBefore = now - o.PendingExpiry, Limit = o.BatchSize }, cancellationToken: ct))];
        }

        var learned = 0;
        foreach (var order in pending)
        {
            var provider = providers.Find(order.Provider);
            if (provider is null)
            {
                continue;
            }

            try
            {
                var update = await provider.QueryAsync(new ProviderOrderQuery(order.OrderNumber, order.ProviderOrderRef, order.TransactionRef), ct);
                if (update is null)
                {
                    continue;
                }

                var stored = await inbox.StoreAsync(update, ct);
                var result = await applier.ApplyAsync(stored.InboxId, ct);
                learned++;
                LogLearned(logger, order.OrderNumber, order.Provider, result.Outcome);
            }
            catch (PaymentProviderException e)
            {
                // One provider being down must not stop the others; the next run asks again.
                LogProviderDown(logger, order.OrderNumber, order.Provider, e.Message);
            }
        }

        return learned;
    }

    private sealed class PendingOrder
    {
        public string OrderNumber { get; init; } = "";
        public string Provider { get; init; } = "";
        public string? ProviderOrderRef { get; init; }
        public string? TransactionRef { get; init; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconciled order {OrderNumber} with {Provider}: {Outcome}")]
    private static partial void LogLearned(ILogger logger, string orderNumber, string provider, string outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not reconcile order {OrderNumber} with {Provider}: {Reason}")]
    private static partial void LogProviderDown(ILogger logger, string orderNumber, string provider, string reason);
}
