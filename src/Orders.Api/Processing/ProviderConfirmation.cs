using Dapper;
using Orders.Api.Data;
using Orders.Api.Orders;
using Orders.Api.Payments;
using Orders.Api.Webhooks;

namespace Orders.Api.Processing;

// Only the provider decides about money (ARCHITECTURE principle 9). Whatever the service learns
// from a provider's API (a notification confirmed, a pending order reconciled, the customer's return
// or cancel) goes one way: stored in the inbox as the provider's own event, then applied like a
// webhook. A notification that the API does not confirm changes nothing.
internal sealed partial class ProviderConfirmation(
    Db db,
    PaymentProviders providers,
    Inbox inbox,
    PaymentEventApplier applier,
    ILogger<ProviderConfirmation> logger)
{
    private const string FindByOrderRefSql = $"SELECT {OrderRow.Columns} FROM orders WHERE provider = @Provider AND provider_order_ref = @Ref";

    // Orders a payment can still arrive for: money confirmed after a cancel or an expiry still counts.
    public static bool MayStillBePaid(string status) => status is OrderStatus.Pending or OrderStatus.Canceled or OrderStatus.Expired;

    // Stores and applies what a provider's API answered; null when it answered nothing to act on.
    public async Task<ApplyResult?> RecordAsync(PaymentEvent? learned, CancellationToken ct)
    {
        if (learned is null)
        {
            return null;
        }

        var stored = await inbox.StoreAsync(learned, ct);
        return await applier.ApplyAsync(stored.InboxId, ct);
    }

    // A Notified event: the provider's API is asked about what it names; each thing the API confirms
    // is recorded, and the notification is marked processed with what was learned. Provider failures
    // propagate (the job retries, the recovery sweep re-enqueues): the notification stays unprocessed
    // until the provider has answered.
    public async Task<ApplyResult> ConfirmNotificationAsync(InboxRow notification, CancellationToken ct)
    {
        var provider = providers.Find(notification.Provider);
        if (provider is null)
        {
            return await applier.MarkNotificationAsync(notification.Id, "ignored: the provider is not configured", null, ct);
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
                return await applier.MarkNotificationAsync(notification.Id, "no matching order", null, ct);
            }

            if (!MayStillBePaid(ours.Status))
            {
                return await applier.MarkNotificationAsync(notification.Id, $"ignored: order is {ours.Status}", ours.Id, ct);
            }

            order = new ProviderOrderQuery(ours.OrderNumber, ours.ProviderOrderRef, ours.ProviderTransactionRef);
            orderId = ours.Id;
        }

        var confirmed = await provider.ConfirmAsync(
            new PaymentNotification(notification.EventType, notification.ProviderOrderRef, notification.ProviderTransactionRef, notification.ProviderRefundRef, order), ct);
        if (confirmed.Count == 0)
        {
            LogNotConfirmed(logger, notification.Provider, notification.EventType, notification.Id);
            return await applier.MarkNotificationAsync(notification.Id, $"not confirmed: {provider.Name} reports nothing to act on", orderId, ct);
        }

        var outcomes = new List<string>(confirmed.Count);
        foreach (var e in confirmed)
        {
            var result = (await RecordAsync(e, ct))!;
            outcomes.Add($"{e.EventType}: {result.Outcome}");
            orderId ??= result.OrderId;
        }

        return await applier.MarkNotificationAsync(notification.Id, $"confirmed by {provider.Name}: {string.Join("; ", outcomes)}", orderId, ct);
    }

    // Reconciliation: what the provider says about one order we still think is pending.
    public async Task<ApplyResult?> ReconcileAsync(IPaymentProvider provider, ProviderOrderQuery order, CancellationToken ct) =>
        await RecordAsync(await provider.QueryAsync(order, ct), ct);

    // The customer left the payment page: the order is canceled only if the provider confirms that
    // nothing was paid; whatever else it says is recorded as it is.
    public async Task<ApplyResult?> CancelAsync(IPaymentProvider provider, OrderRow order, CancellationToken ct) =>
        order.Status != OrderStatus.Pending
            ? null
            : await RecordAsync((await provider.CancelAsync(new ProviderOrderQuery(order.OrderNumber, order.ProviderOrderRef, order.ProviderTransactionRef), ct)).Learned, ct);

    private async Task<OrderRow?> FindByProviderOrderRefAsync(string provider, string providerOrderRef, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<OrderRow>(new CommandDefinition(FindByOrderRefSql, new { Provider = provider, Ref = providerOrderRef }, cancellationToken: ct));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Provider} {EventType} (inbox {InboxId}) was not confirmed by the provider's API; nothing changed")]
    private static partial void LogNotConfirmed(ILogger logger, string provider, string eventType, long inboxId);
}
