using Dapper;
using Orders.Api.Data;
using Orders.Api.Orders;
using Orders.Api.Payments;

namespace Orders.Api.PaymentEvents;

// Only the provider decides about money (ARCHITECTURE principle 9): a notification is a reason to
// ask the provider's API about what it names. Nothing is written here; what the provider confirms
// is recorded and applied by PaymentEventProcessor like any other event.
internal sealed partial class ProviderConfirmation(
    Db db,
    PaymentProviders providers,
    ILogger<ProviderConfirmation> logger)
{
    private const string FindByOrderRefSql = $"SELECT {OrderRow.Columns} FROM orders WHERE provider = @Provider AND provider_order_ref = @Ref";

    // Orders a payment can still arrive for: money confirmed after a cancel or an expiry still counts.
    public static bool MayStillBePaid(string status) => status is OrderStatus.Pending or OrderStatus.Canceled or OrderStatus.Expired;

    // What the provider confirms of one notification. Outcome describes it for the notification's
    // row; OrderId is the order it is about, where that is known already.
    internal sealed record Check(IReadOnlyList<PaymentEvent> Confirmed, string Outcome, long? OrderId);

    public async Task<Check> CheckAsync(InboxRow notification, CancellationToken ct)
    {
        var provider = providers.Find(notification.Provider);
        if (provider is null)
        {
            return new Check([], "ignored: the provider is not configured", null);
        }

        var aboutWholeOrder = notification.ProviderTransactionRef is null && notification.ProviderRefundRef is null;
        ProviderOrderQuery? order = null;
        long? orderId = null;
        if (aboutWholeOrder)
        {
            // Only our own stored reference is ever asked about, and only while a payment can still arrive.
            var ours = notification.ProviderOrderRef is null ? null : await FindByProviderOrderRefAsync(notification.Provider, notification.ProviderOrderRef, ct);
            if (ours is null)
            {
                return new Check([], "no matching order", null);
            }

            if (!MayStillBePaid(ours.Status))
            {
                return new Check([], $"ignored: order is {ours.Status}", ours.Id);
            }

            order = new ProviderOrderQuery(ours.OrderNumber, ours.ProviderOrderRef, ours.ProviderTransactionRef);
            orderId = ours.Id;
        }

        var confirmed = await provider.ConfirmAsync(
            new PaymentNotification(notification.EventType, notification.ProviderOrderRef, notification.ProviderTransactionRef, notification.ProviderRefundRef, order), ct);
        if (confirmed.Count == 0)
        {
            LogNotConfirmed(logger, notification.Provider, notification.EventType, notification.Id);
            return new Check([], $"not confirmed: {provider.Name} reports nothing to act on", orderId);
        }

        return new Check(confirmed, $"confirmed by {provider.Name}", orderId);
    }

    private async Task<OrderRow?> FindByProviderOrderRefAsync(string provider, string providerOrderRef, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<OrderRow>(new CommandDefinition(FindByOrderRefSql, new { Provider = provider, Ref = providerOrderRef }, cancellationToken: ct));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Provider} {EventType} (inbox {InboxId}) was not confirmed by the provider's API; nothing changed")]
    private static partial void LogNotConfirmed(ILogger logger, string provider, string eventType, long inboxId);
}
