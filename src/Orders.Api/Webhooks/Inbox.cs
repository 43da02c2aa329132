using System.Data.Common;
using Dapper;
using Orders.Api.Data;
using Orders.Api.Payments;

namespace Orders.Api.Webhooks;

internal sealed record StoredEvent(long InboxId, bool Duplicate);

// The inbox is where a verified provider event becomes durable. Exactly-once per provider event id
// is the unique index (provider, provider_event_id): a repeat delivery finds the first row.
internal sealed class Inbox(Db db, TimeProvider time)
{
    private static readonly Dialect InsertSql = new(
        Sqlite: """
            INSERT INTO webhook_inbox (provider, provider_event_id, event_type, kind, order_number, provider_order_ref,
                                       provider_transaction_ref, provider_refund_ref, amount_minor, currency, sku, received_at)
            VALUES (@Provider, @EventId, @EventType, @Kind, @OrderNumber, @ProviderOrderRef,
                    @TransactionRef, @RefundRef, @AmountMinor, @Currency, @Sku, @ReceivedAt)
            RETURNING id
            """,
        SqlServer: """
            INSERT INTO webhook_inbox (provider, provider_event_id, event_type, kind, order_number, provider_order_ref,
                                       provider_transaction_ref, provider_refund_ref, amount_minor, currency, sku, received_at)
            OUTPUT INSERTED.id
            VALUES (@Provider, @EventId, @EventType, @Kind, @OrderNumber, @ProviderOrderRef,
                    @TransactionRef, @RefundRef, @AmountMinor, @Currency, @Sku, @ReceivedAt)
            """);

    private const string FindSql = """
        SELECT id FROM webhook_inbox WHERE provider = @Provider AND provider_event_id = @EventId
        """;

    public async Task<StoredEvent> StoreAsync(PaymentEvent e, CancellationToken ct)
    {
        CardNumberGuard.EnsureNoCardNumbers(e.EventId, e.EventType, e.OrderNumber, e.ProviderOrderRef, e.TransactionRef, e.RefundRef, e.Currency, e.Sku);
        await using var connection = await db.OpenAsync(ct);
        var args = new
        {
            e.Provider,
            e.EventId,
            e.EventType,
            Kind = e.Kind.ToString(),
            e.OrderNumber,
            e.ProviderOrderRef,
            e.TransactionRef,
            e.RefundRef,
            e.AmountMinor,
            e.Currency,
            e.Sku,
            ReceivedAt = time.GetUtcNow().UtcDateTime,
        };
        try
        {
            var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(db.Pick(InsertSql), args, cancellationToken: ct));
            return new StoredEvent(id, Duplicate: false);
        }
        catch (DbException ex) when (Db.IsUniqueViolation(ex))
        {
            var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(FindSql, args, cancellationToken: ct));
            return new StoredEvent(id, Duplicate: true);
        }
    }
}
