using Dapper;
using Hangfire;
using Microsoft.Extensions.Options;
using Orders.Api.Data;
using Orders.Api.Payments;

namespace Orders.Api.PaymentEvents;

// Webhooks do get lost. Every few minutes the pending orders that a provider can be asked about
// are asked, the ones asked least recently first (never asked before anything else), up to
// BatchSize a run: with N such orders each one is asked within ceil(N / BatchSize) runs, however
// many orders of providers without an order API wait beside them. What the provider says goes the
// one way every provider answer goes (PaymentEventProcessor): stored and applied like a webhook.
internal sealed partial class ReconciliationJob(
    Db db,
    PaymentProviders providers,
    PaymentEventProcessor processor,
    IOptions<MaintenanceOptions> options,
    TimeProvider time,
    ILogger<ReconciliationJob> logger)
{
    public const string RecurringJobId = "reconcile-pending-orders";

    private static readonly Dialect PendingOrdersSql = new(
        Sqlite: """
            SELECT id AS Id, order_number AS OrderNumber, provider AS Provider, provider_order_ref AS ProviderOrderRef, provider_transaction_ref AS TransactionRef
            FROM orders
            WHERE status = 'pending' AND provider IN @Providers AND created_at <= @OlderThan AND created_at > @ExpiresBefore
            ORDER BY reconciled_at, created_at LIMIT @Limit
            """,
        SqlServer: """
            SELECT TOP (@Limit) id AS Id, order_number AS OrderNumber, provider AS Provider, provider_order_ref AS ProviderOrderRef, provider_transaction_ref AS TransactionRef
            FROM orders
            WHERE status = 'pending' AND provider IN @Providers AND created_at <= @OlderThan AND created_at > @ExpiresBefore
            ORDER BY reconciled_at, created_at
            """,
        PostgreSql: """
            SELECT id AS Id, order_number AS OrderNumber, provider AS Provider, provider_order_ref AS ProviderOrderRef, provider_transaction_ref AS TransactionRef
            FROM orders
            WHERE status = 'pending' AND provider IN @Providers AND created_at <= @OlderThan AND created_at > @ExpiresBefore
            ORDER BY reconciled_at, created_at LIMIT @Limit
            """);

    // Before asking: the run's orders go to the back of the line whatever the provider answers.
    private const string MarkAskedSql = "UPDATE orders SET reconciled_at = @Now WHERE id IN @Ids";

    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(300)]
    public async Task RunAsync(CancellationToken cancellationToken) => await ReconcileAsync(cancellationToken);

    public async Task<int> ReconcileAsync(CancellationToken ct)
    {
        var o = options.Value;
        var now = time.GetUtcNow().UtcDateTime;
        var askable = providers.All.Where(p => p.CanBeAsked).Select(p => p.Name).ToArray();
        if (askable.Length == 0)
        {
            return 0;
        }

        List<PendingOrder> pending;
        await using (var connection = await db.OpenAsync(ct))
        {
            pending = [.. await connection.QueryAsync<PendingOrder>(new CommandDefinition(db.Pick(PendingOrdersSql),
                new { Providers = askable, OlderThan = now - o.ReconcileAfter, ExpiresBefore = now - o.PendingExpiry, Limit = o.BatchSize }, cancellationToken: ct))];
            if (pending.Count > 0)
            {
                using (await db.WriteTurnAsync(WritePriority.Background, ct))
                {
                    await connection.ExecuteAsync(new CommandDefinition(MarkAskedSql, new { Now = now, Ids = pending.Select(p => p.Id).ToArray() }, cancellationToken: ct));
                }
            }
        }

        var learned = 0;
        foreach (var order in pending)
        {
            var provider = providers.Find(order.Provider)!;
            try
            {
                var result = await processor.ReconcileAsync(provider, new ProviderOrderQuery(order.OrderNumber, order.ProviderOrderRef, order.TransactionRef), ct);
                if (result is null)
                {
                    continue;
                }

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
        public long Id { get; init; }
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
