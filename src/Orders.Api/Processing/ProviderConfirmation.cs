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
    // Provider calls one processing group makes at once.
    private const int ConcurrentProviderCalls = 8;

    private const string LoadUnprocessedSql = $"SELECT {InboxRow.Columns} FROM webhook_inbox WHERE id IN @Ids AND processed_at IS NULL";

    private const string OrderIdsSql = "SELECT id AS Id, order_id AS OrderId FROM webhook_inbox WHERE id IN @Ids";

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
        var check = await CheckAsync(notification, ct);
        if (check.Confirmed.Count == 0)
        {
            return await applier.MarkNotificationAsync(notification.Id, check.Outcome, check.OrderId, ct);
        }

        var outcomes = new List<string>(check.Confirmed.Count);
        var orderId = check.OrderId;
        foreach (var e in check.Confirmed)
        {
            var result = (await RecordAsync(e, ct))!;
            outcomes.Add($"{e.EventType}: {result.Outcome}");
            orderId ??= result.OrderId;
        }

        return await applier.MarkNotificationAsync(notification.Id, $"{check.Outcome}: {string.Join("; ", outcomes)}", orderId, ct);
    }

    // The notifications of one processing group, in three commits instead of three per notification:
    // the provider is asked about each (a few at a time), everything it confirms is stored together
    // (one group commit) and applied as one group, and the notifications are marked processed in one
    // transaction. Returns the notifications the provider could not answer now, for the caller to run
    // one at a time with their retries; any other failure propagates and the caller does the same for all.
    public async Task<IReadOnlyList<long>> ConfirmGroupAsync(IReadOnlyList<long> inboxIds, CancellationToken ct)
    {
        List<InboxRow> notifications;
        await using (var connection = await db.OpenAsync(ct))
        {
            notifications = [.. await connection.QueryAsync<InboxRow>(new CommandDefinition(LoadUnprocessedSql, new { Ids = inboxIds.ToArray() }, cancellationToken: ct))];
        }

        using var calls = new SemaphoreSlim(ConcurrentProviderCalls);
        var checks = await Task.WhenAll(notifications.Select(async n =>
        {
            await calls.WaitAsync(ct);
            try
            {
                return (Notification: n, Check: await CheckAsync(n, ct));
            }
            catch (PaymentProviderException e)
            {
                LogProviderUnavailable(logger, n.Provider, n.Id, e.Message);
                return (Notification: n, Check: (Check?)null);
            }
            finally
            {
                calls.Release();
            }
        }));

        var answered = checks.Where(c => c.Check is not null).Select(c => (c.Notification, Check: c.Check!)).ToList();
        var stored = await Task.WhenAll(answered.SelectMany(c => c.Check.Confirmed).Select(e => inbox.StoreAsync(e, ct)));
        await ApplyAllAsync([.. stored.Select(s => s.InboxId).Distinct()], ct);

        var storedIds = new Queue<long>(stored.Select(s => s.InboxId));
        var orderIds = await OrderIdsAsync([.. stored.Select(s => s.InboxId)], ct);
        var marks = answered.Select(c =>
        {
            var ids = c.Check.Confirmed.Select(_ => storedIds.Dequeue()).ToList();
            var outcome = ids.Count == 0 ? c.Check.Outcome : $"{c.Check.Outcome}: inbox {string.Join(", ", ids)}";
            return (c.Notification.Id, outcome, c.Check.OrderId ?? ids.Select(id => orderIds.GetValueOrDefault(id)).FirstOrDefault(o => o is not null));
        }).ToList();
        await applier.MarkNotificationsAsync(marks, ct);
        return [.. checks.Where(c => c.Check is null).Select(c => c.Notification.Id)];
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

    // What the provider confirms of one notification (nothing is written here). Outcome describes
    // it for the notification's row; OrderId is the order it is about, where that is known already.
    private sealed record Check(IReadOnlyList<PaymentEvent> Confirmed, string Outcome, long? OrderId);

    private async Task<Check> CheckAsync(InboxRow notification, CancellationToken ct)
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

    // Applies the stored events as groups (as webhooks are); if a group fails, one at a time.
    private async Task ApplyAllAsync(IReadOnlyList<long> inboxIds, CancellationToken ct)
    {
        try
        {
            for (IReadOnlyList<long> group = inboxIds; group.Count > 0;)
            {
                group = (await applier.ApplyBatchAsync(group, ct)).Later;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogGroupFailed(logger, inboxIds.Count, e.GetType().Name);
            foreach (var inboxId in inboxIds)
            {
                await applier.ApplyAsync(inboxId, ct);
            }
        }
    }

    private async Task<Dictionary<long, long?>> OrderIdsAsync(long[] inboxIds, CancellationToken ct)
    {
        if (inboxIds.Length == 0)
        {
            return [];
        }

        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<(long Id, long? OrderId)>(new CommandDefinition(OrderIdsSql, new { Ids = inboxIds }, cancellationToken: ct)))
            .ToDictionary(r => r.Id, r => r.OrderId);
    }

    private async Task<OrderRow?> FindByProviderOrderRefAsync(string provider, string providerOrderRef, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<OrderRow>(new CommandDefinition(FindByOrderRefSql, new { Provider = provider, Ref = providerOrderRef }, cancellationToken: ct));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Provider} could not be asked about inbox {InboxId} ({Reason}); it is retried on its own")]
    private static partial void LogProviderUnavailable(ILogger logger, string provider, long inboxId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A group of {Count} confirmed event(s) failed ({ErrorType}) and was rolled back; applying them one at a time")]
    private static partial void LogGroupFailed(ILogger logger, int count, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Provider} {EventType} (inbox {InboxId}) was not confirmed by the provider's API; nothing changed")]
    private static partial void LogNotConfirmed(ILogger logger, string provider, string eventType, long inboxId);
}
