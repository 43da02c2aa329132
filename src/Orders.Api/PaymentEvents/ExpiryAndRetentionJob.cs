using Dapper;
using Hangfire;
using Microsoft.Extensions.Options;
using Orders.Api.Data;
using Orders.Api.Payments;

namespace Orders.Api.PaymentEvents;

// Abandoned orders and retention: pending orders past their time become expired (through the state
// machine, recorded like any event); never-paid orders are deleted after a retention period; old
// processed provider events are deleted. Keeps only what is needed to issue and support a license.
internal sealed partial class ExpiryAndRetentionJob(
    Db db,
    PaymentEventProcessor processor,
    IOptions<MaintenanceOptions> options,
    TimeProvider time,
    ILogger<ExpiryAndRetentionJob> logger)
{
    public const string RecurringJobId = "expire-and-retain";

    private static readonly Dialect OverdueOrdersSql = new(
        Sqlite: "SELECT order_number AS OrderNumber, provider AS Provider FROM orders WHERE status = 'pending' AND created_at <= @Before ORDER BY created_at LIMIT @Limit",
        SqlServer: "SELECT TOP (@Limit) order_number AS OrderNumber, provider AS Provider FROM orders WHERE status = 'pending' AND created_at <= @Before ORDER BY created_at",
        PostgreSql: "SELECT order_number AS OrderNumber, provider AS Provider FROM orders WHERE status = 'pending' AND created_at <= @Before ORDER BY created_at LIMIT @Limit");

    private static readonly Dialect AbandonedOrdersSql = new(
        Sqlite: """
            SELECT id FROM orders o
            WHERE status IN ('expired', 'canceled') AND updated_at <= @Before
              AND NOT EXISTS (SELECT 1 FROM licenses l WHERE l.order_id = o.id)
            ORDER BY id LIMIT @Limit
            """,
        SqlServer: """
            SELECT TOP (@Limit) id FROM orders o
            WHERE status IN ('expired', 'canceled') AND updated_at <= @Before
              AND NOT EXISTS (SELECT 1 FROM licenses l WHERE l.order_id = o.id)
            ORDER BY id
            """,
        PostgreSql: """
            SELECT id FROM orders o
            WHERE status IN ('expired', 'canceled') AND updated_at <= @Before
              AND NOT EXISTS (SELECT 1 FROM licenses l WHERE l.order_id = o.id)
            ORDER BY id LIMIT @Limit
            """);

    // The audit trail keeps the order number it names; only the link to the deleted row goes.
    private const string DetachAuditSql = "UPDATE audit_log SET order_id = NULL WHERE order_id IN @Ids";
    private const string DeleteOrderEventsSql = "DELETE FROM webhook_inbox WHERE order_id IN @Ids";
    private const string DeleteOrderDeliveriesSql = "DELETE FROM deliveries WHERE order_id IN @Ids";
    private const string DeleteOrdersSql = "DELETE FROM orders WHERE id IN @Ids AND status IN ('expired', 'canceled')";

    // Refunds of orders still paid (or in review) stay: a later partial refund is added to them.
    private const string DeleteOldEventsSql = """
        DELETE FROM webhook_inbox
        WHERE processed_at IS NOT NULL AND processed_at <= @Before
          AND NOT (kind = 'Refunded' AND order_id IN (SELECT id FROM orders WHERE status IN ('paid', 'review')))
        """;

    // Transmission ids are kept while a transmission that old can still be let in (PayPal:WebhookMaxAge,
    // at most a day): past that its signature is refused by age alone.
    internal static readonly TimeSpan TransmissionRetention = TimeSpan.FromDays(2);

    private const string DeleteOldTransmissionsSql = "DELETE FROM webhook_transmissions WHERE received_at < @Before";

    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(300)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await ExpireAsync(cancellationToken);
        await RetainAsync(cancellationToken);
    }

    public async Task<int> ExpireAsync(CancellationToken ct)
    {
        var o = options.Value;
        List<OverdueOrder> overdue;
        await using (var connection = await db.OpenAsync(ct))
        {
            overdue = [.. await connection.QueryAsync<OverdueOrder>(new CommandDefinition(db.Pick(OverdueOrdersSql),
                new { Before = time.GetUtcNow().UtcDateTime - o.PendingExpiry, Limit = o.BatchSize }, cancellationToken: ct))];
        }

        foreach (var order in overdue)
        {
            var expiry = new PaymentEvent(order.Provider, $"expiry:{order.OrderNumber}", "ORDER.EXPIRED", PaymentEventKind.Expired,
                order.OrderNumber, null, null, null, null, null);
            await processor.RecordAndProcessAsync(expiry, ct);
        }

        if (overdue.Count > 0)
        {
            LogExpired(logger, overdue.Count);
        }

        return overdue.Count;
    }

    public async Task<(int Orders, int Events)> RetainAsync(CancellationToken ct)
    {
        var o = options.Value;
        var now = time.GetUtcNow().UtcDateTime;
        await using var connection = await db.OpenAsync(ct);
        var ids = (await connection.QueryAsync<long>(new CommandDefinition(db.Pick(AbandonedOrdersSql),
            new { Before = now - o.AbandonedOrderRetention, Limit = o.BatchSize }, cancellationToken: ct))).ToList();
        var deletedOrders = 0;
        if (ids.Count > 0)
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition(DetachAuditSql, new { Ids = ids }, tx, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition(DeleteOrderEventsSql, new { Ids = ids }, tx, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition(DeleteOrderDeliveriesSql, new { Ids = ids }, tx, cancellationToken: ct));
            deletedOrders = await connection.ExecuteAsync(new CommandDefinition(DeleteOrdersSql, new { Ids = ids }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
        }

        var deletedEvents = await connection.ExecuteAsync(new CommandDefinition(DeleteOldEventsSql, new { Before = now - o.ProcessedEventRetention }, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(DeleteOldTransmissionsSql, new { Before = now - TransmissionRetention }, cancellationToken: ct));
        if (deletedOrders + deletedEvents > 0)
        {
            LogRetained(logger, deletedOrders, deletedEvents);
        }

        return (deletedOrders, deletedEvents);
    }

    private sealed class OverdueOrder
    {
        public string OrderNumber { get; init; } = "";
        public string Provider { get; init; } = "";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Expired {Count} unpaid order(s)")]
    private static partial void LogExpired(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: deleted {Orders} abandoned order(s) and {Events} old provider event(s)")]
    private static partial void LogRetained(ILogger logger, int orders, int events);
}
