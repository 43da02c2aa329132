using Dapper;
using Orders.Api.Data;
using Orders.Api.Orders;
using Orders.Api.Payments;

namespace Orders.Api.PaymentEvents;

// The one way anything learned about a payment changes an order: recorded as the provider's event in
// the store, then processed. Processing a notification asks the provider first (ProviderConfirmation)
// and records what it confirms; any other event goes through the state machine (PaymentEventApplier).
// Webhooks record and leave the processing to a job; the customer's return, reconciliation, the
// cancel link, expiry and support's refunds record and process at once.
internal sealed partial class PaymentEventProcessor(
    Db db,
    PaymentEventStore store,
    PaymentEventApplier applier,
    ProviderConfirmation confirmation,
    ILogger<PaymentEventProcessor> logger)
{
    // Provider calls one processing group makes at once.
    private const int ConcurrentProviderCalls = 8;

    private const string LoadSql = $"SELECT {InboxRow.Columns} FROM webhook_inbox WHERE id = @Id";

    private const string LoadUnprocessedSql = $"SELECT {InboxRow.Columns} FROM webhook_inbox WHERE id IN @Ids AND processed_at IS NULL";

    private const string OrderIdsSql = "SELECT id AS Id, order_id AS OrderId FROM webhook_inbox WHERE id IN @Ids";

    public Task<StoredEvent> RecordAsync(PaymentEvent e, CancellationToken ct) => store.StoreAsync(e, ct);

    public async Task<ApplyResult> RecordAndProcessAsync(PaymentEvent e, CancellationToken ct) =>
        await ProcessAsync((await RecordAsync(e, ct)).InboxId, ct);

    // Everything but the id is re-read, so a late, repeated or concurrent run is harmless.
    public async Task<ApplyResult> ProcessAsync(long inboxId, CancellationToken ct)
    {
        InboxRow? row;
        await using (var connection = await db.OpenAsync(ct))
        {
            row = await connection.QuerySingleOrDefaultAsync<InboxRow>(new CommandDefinition(LoadSql, new { Id = inboxId }, cancellationToken: ct));
        }

        if (row is null || row.ProcessedAt is not null)
        {
            return new ApplyResult(row?.Outcome ?? "unknown event", row?.OrderId);
        }

        // A notification (or an approval stored before notifications were confirmed) is a reason to
        // ask the provider, never a fact of its own.
        return row.EventKind is PaymentEventKind.Notified or PaymentEventKind.Approved
            ? await ConfirmNotificationAsync(row, ct)
            : await applier.ApplyAsync(inboxId, ct);
    }

    // Each thing the provider confirms is recorded and applied, and the notification is marked
    // processed with what was learned. Provider failures propagate (the job retries, the recovery
    // sweep re-enqueues): the notification stays unprocessed until the provider has answered.
    private async Task<ApplyResult> ConfirmNotificationAsync(InboxRow notification, CancellationToken ct)
    {
        var check = await confirmation.CheckAsync(notification, ct);
        if (check.Confirmed.Count == 0)
        {
            return await applier.MarkNotificationAsync(notification.Id, check.Outcome, check.OrderId, ct);
        }

        var outcomes = new List<string>(check.Confirmed.Count);
        var orderId = check.OrderId;
        foreach (var e in check.Confirmed)
        {
            var result = await RecordAndProcessAsync(e, ct);
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
                return (Notification: n, Check: await confirmation.CheckAsync(n, ct));
            }
            catch (PaymentProviderException e)
            {
                LogProviderUnavailable(logger, n.Provider, n.Id, e.Message);
                return (Notification: n, Check: (ProviderConfirmation.Check?)null);
            }
            finally
            {
                calls.Release();
            }
        }));

        var answered = checks.Where(c => c.Check is not null).Select(c => (c.Notification, Check: c.Check!)).ToList();
        var stored = await Task.WhenAll(answered.SelectMany(c => c.Check.Confirmed).Select(e => store.StoreAsync(e, ct)));
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
        await provider.QueryAsync(order, ct) is { } learned ? await RecordAndProcessAsync(learned, ct) : null;

    // The customer left the payment page: the order is canceled only if the provider confirms that
    // nothing was paid; whatever else it says is recorded as it is.
    public async Task<ApplyResult?> CancelAsync(IPaymentProvider provider, OrderRow order, CancellationToken ct)
    {
        if (order.Status != OrderStatus.Pending)
        {
            return null;
        }

        var answer = await provider.CancelAsync(new ProviderOrderQuery(order.OrderNumber, order.ProviderOrderRef, order.ProviderTransactionRef), ct);
        return answer.Learned is { } learned ? await RecordAndProcessAsync(learned, ct) : null;
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Provider} could not be asked about inbox {InboxId} ({Reason}); it is retried on its own")]
    private static partial void LogProviderUnavailable(ILogger logger, string provider, long inboxId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A group of {Count} confirmed event(s) failed ({ErrorType}) and was rolled back; applying them one at a time")]
    private static partial void LogGroupFailed(ILogger logger, int count, string errorType);
}
