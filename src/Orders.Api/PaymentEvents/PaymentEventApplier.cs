using System.Data.Common;
using Dapper;
using Hangfire;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Licensing;
using Orders.Api.Mail;
using Orders.Api.Orders;
using Orders.Api.Payments;
using Orders.Licensing;

namespace Orders.Api.PaymentEvents;

internal sealed record ApplyResult(string Outcome, long? OrderId);

// Of a group given to ApplyBatchAsync: the events to run alone (they call the provider first), and
// those not reached because the group made way for a checkout (apply them next).
internal sealed record BatchApplied(IReadOnlyList<long> Alone, IReadOnlyList<long> Later);

// Applies one stored provider event to its order through the state machine, in one transaction:
// the status change, the license, the e-mail row and "this event is processed" commit together or
// not at all. Safe to run any number of times and concurrently: the first run that finds the event
// unprocessed does the work; every status change is conditional; one license per order line and
// one license e-mail per order are unique constraints.
internal sealed partial class PaymentEventApplier(
    Db db,
    LicenseKeys licenseKeys,
    IBackgroundJobClient jobs,
    OrdersMetrics metrics,
    TimeProvider time,
    ILogger<PaymentEventApplier> logger)
{
    // Inside the transaction the event row and the order row are read with update locks on SQL
    // Server (FOR UPDATE on PostgreSQL), so two workers applying events to one order queue up
    // instead of interleaving. SQLite
    // needs no hints: its write transactions (BEGIN IMMEDIATE) already run one at a time.
    private static readonly Dialect LoadEventSql = new(
        Sqlite: $"SELECT {InboxRow.Columns} FROM webhook_inbox WHERE id = @Id",
        SqlServer: $"SELECT {InboxRow.Columns} FROM webhook_inbox WITH (UPDLOCK, ROWLOCK) WHERE id = @Id",
        PostgreSql: $"SELECT {InboxRow.Columns} FROM webhook_inbox WHERE id = @Id FOR UPDATE");

    private static readonly Dialect FindByNumberSql = new(
        Sqlite: $"SELECT {OrderRow.Columns} FROM orders WHERE order_number = @Number AND provider = @Provider",
        SqlServer: $"SELECT {OrderRow.Columns} FROM orders WITH (UPDLOCK, ROWLOCK) WHERE order_number = @Number AND provider = @Provider",
        PostgreSql: $"SELECT {OrderRow.Columns} FROM orders WHERE order_number = @Number AND provider = @Provider FOR UPDATE");

    private static readonly Dialect FindByOrderRefSql = new(
        Sqlite: $"SELECT {OrderRow.Columns} FROM orders WHERE provider = @Provider AND provider_order_ref = @Ref",
        SqlServer: $"SELECT {OrderRow.Columns} FROM orders WITH (UPDLOCK, ROWLOCK) WHERE provider = @Provider AND provider_order_ref = @Ref",
        PostgreSql: $"SELECT {OrderRow.Columns} FROM orders WHERE provider = @Provider AND provider_order_ref = @Ref FOR UPDATE");

    private static readonly Dialect FindByTransactionRefSql = new(
        Sqlite: $"SELECT {OrderRow.Columns} FROM orders WHERE provider = @Provider AND provider_transaction_ref = @Ref",
        SqlServer: $"SELECT {OrderRow.Columns} FROM orders WITH (UPDLOCK, ROWLOCK) WHERE provider = @Provider AND provider_transaction_ref = @Ref",
        PostgreSql: $"SELECT {OrderRow.Columns} FROM orders WHERE provider = @Provider AND provider_transaction_ref = @Ref FOR UPDATE");

    private const string TransitionSql = """
        UPDATE orders
        SET status = @To, updated_at = @Now,
            paid_at = CASE WHEN @To = 'paid' THEN @Now ELSE paid_at END,
            provider_transaction_ref = COALESCE(provider_transaction_ref, @TransactionRef),
            provider_order_ref = COALESCE(provider_order_ref, @OrderRef)
        WHERE id = @Id AND status IN @From
        """;

    private const string RememberTransactionSql = """
        UPDATE orders
        SET provider_transaction_ref = COALESCE(provider_transaction_ref, @TransactionRef),
            provider_order_ref = COALESCE(provider_order_ref, @OrderRef),
            updated_at = @Now
        WHERE id = @Id
        """;

    // Insert-if-absent; the unique indexes are the guarantee, these forms just avoid the error.
    private static readonly Dialect InsertDeliverySql = new(
        Sqlite: """
            INSERT INTO deliveries (order_id, kind, dedupe_key, to_address, status, attempts, created_at, next_attempt_at)
            VALUES (@OrderId, @Kind, @DedupeKey, @ToAddress, 'pending', 0, @Now, @Now)
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id
            """,
        SqlServer: """
            INSERT INTO deliveries (order_id, kind, dedupe_key, to_address, status, attempts, created_at, next_attempt_at)
            OUTPUT INSERTED.id
            SELECT @OrderId, @Kind, @DedupeKey, @ToAddress, 'pending', 0, @Now, @Now
            WHERE NOT EXISTS (SELECT 1 FROM deliveries WITH (UPDLOCK, HOLDLOCK) WHERE dedupe_key = @DedupeKey)
            """,
        PostgreSql: """
            INSERT INTO deliveries (order_id, kind, dedupe_key, to_address, status, attempts, created_at, next_attempt_at)
            VALUES (@OrderId, @Kind, @DedupeKey, @ToAddress, 'pending', 0, @Now, @Now)
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id
            """);

    // Every revocation also moves the published revocation list on (RevocationSequence).
    private const string RevokeLicensesSql = """
        UPDATE licenses SET status = 'revoked', revoked_at = @Now, revoke_reason = @Reason
        WHERE order_id = @OrderId AND status = 'active'
        """;

    // A revoked key must not be mailed out afterwards (the e-mails that tell the customer why still go).
    private const string CancelUnsentDeliveriesSql = """
        UPDATE deliveries SET status = 'canceled', last_error = @Reason
        WHERE order_id = @OrderId AND status = 'pending' AND kind IN ('license', 'resend')
        """;

    // Each refund counts once, however many events (webhook, API answer, retries) report it.
    private const string RefundedSoFarSql = """
        SELECT COALESCE(SUM(amount), 0) FROM (
            SELECT MAX(amount_minor) AS amount
            FROM webhook_inbox
            WHERE order_id = @OrderId AND kind = 'Refunded' AND processed_at IS NOT NULL
              AND COALESCE(provider_refund_ref, provider_event_id) <> @RefundRef
            GROUP BY COALESCE(provider_refund_ref, provider_event_id)
        ) AS refunds
        """;

    private const string MarkProcessedSql = """
        UPDATE webhook_inbox SET processed_at = @Now, outcome = @Outcome, order_id = @OrderId, attempts = attempts + 1, last_error = NULL
        WHERE id = @Id AND processed_at IS NULL
        """;

    public async Task<ApplyResult> ApplyAsync(long inboxId, CancellationToken ct)
    {
        var deliveries = new List<long>();
        Applied applied;
        await using (var connection = await db.OpenAsync(ct))
        using (await db.WriteTurnAsync(WritePriority.Request, ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            var row = await connection.QuerySingleOrDefaultAsync<InboxRow>(new CommandDefinition(db.Pick(LoadEventSql), new { Id = inboxId }, tx, cancellationToken: ct));
            if (row is null || row.ProcessedAt is not null)
            {
                return new ApplyResult(row?.Outcome ?? "unknown event", row?.OrderId);
            }

            if (row.EventKind is PaymentEventKind.Notified or PaymentEventKind.Approved)
            {
                throw new InvalidOperationException($"Inbox {inboxId} is a notification: it is confirmed with its provider (ProviderConfirmation), never applied as it is.");
            }

            applied = await ApplyInTransactionAsync(connection, tx, row, deliveries, ct);
            if (!applied.Marked)
            {
                // Another run got there first; everything above is undone with this transaction.
                await tx.RollbackAsync(ct);
                return new ApplyResult("already processed", applied.Order?.Id);
            }

            await tx.CommitAsync(ct);
        }

        LogAppliedEvent(applied, inGroup: false);
        EnqueueDeliveries(deliveries);
        return new ApplyResult(applied.Outcome, applied.Order?.Id);
    }

    // Applies a group of stored events in ONE transaction (one commit, one fsync, instead of one per
    // event), each exactly as ApplyAsync would: the same conditional updates and unique constraints,
    // in the order given, each event seeing the ones before it. Events that need a call to the
    // provider first (Approved: capture) are not applied here but returned for the caller to run
    // alone, outside any transaction. If anything fails, the whole transaction is rolled back and
    // the exception propagates: nothing of the group is applied, and the caller falls back to one
    // event at a time (with per-event failure records and retries).
    // When a customer's checkout is waiting for the write turn, the group commits what it has done
    // so far and returns the rest as Later, for the caller to apply in its next transaction (queued
    // behind the checkout): a group of 32 held the turn for 11 ms at the median, 42 ms at the 99th
    // percentile during a webhook backlog (docs/bench-history-2026-11.md, round 11).
    public async Task<BatchApplied> ApplyBatchAsync(IReadOnlyList<long> inboxIds, CancellationToken ct)
    {
        var deliveries = new List<long>();
        var applied = new List<Applied>(inboxIds.Count);
        var alone = new List<long>();
        var done = 0;
        await using (var connection = await db.OpenAsync(ct))
        using (await db.WriteTurnAsync(WritePriority.Background, ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            for (; done < inboxIds.Count; done++)
            {
                // At least one event per transaction, so a stream of checkouts cannot stall the group.
                if (done > 0 && db.InteractiveWriterWaiting)
                {
                    break;
                }

                var inboxId = inboxIds[done];
                var row = await connection.QuerySingleOrDefaultAsync<InboxRow>(new CommandDefinition(db.Pick(LoadEventSql), new { Id = inboxId }, tx, cancellationToken: ct));
                if (row is null || row.ProcessedAt is not null)
                {
                    continue; // done before, or earlier in this group (the same id twice)
                }

                if (row.EventKind is PaymentEventKind.Notified or PaymentEventKind.Approved)
                {
                    alone.Add(inboxId);
                    continue;
                }

                // The row was read unprocessed inside this write transaction, so the conditional
                // "mark processed" cannot miss; if it does, the per-event fallback sorts it out.
                var one = await ApplyInTransactionAsync(connection, tx, row, deliveries, ct);
                applied.Add(one.Marked ? one : throw new InvalidOperationException($"Inbox {inboxId} was processed concurrently."));
            }

            await tx.CommitAsync(ct);
        }

        // One Information line per group, each event at Debug (a group of one gets the event's own
        // line): under a backlog a line per event was a thousand JSON lines a second of what the
        // inbox rows and the order timelines already record. Events that match no order are still
        // warned about one by one.
        foreach (var a in applied)
        {
            LogAppliedEvent(a, inGroup: applied.Count > 1);
        }

        if (applied.Count > 1)
        {
            LogAppliedGroup(logger, applied.Count, string.Join("; ", applied.CountBy(a => a.Outcome).Select(o => $"{o.Value}× {o.Key}")));
        }

        EnqueueDeliveries(deliveries);
        return new BatchApplied(alone, [.. inboxIds.Skip(done)]);
    }

    // The state machine step for one unprocessed event, inside the caller's transaction. Not Marked
    // when the conditional "mark processed" found the row already processed: the caller rolls back.
    private async Task<Applied> ApplyInTransactionAsync(DbConnection connection, DbTransaction tx, InboxRow row, List<long> deliveries, CancellationToken ct)
    {
        var order = await FindOrderAsync(connection, tx, row, ct);
        var outcome = order is null ? "no matching order" : await ApplyToOrderAsync(connection, tx, row, order, deliveries, ct);
        var marked = await connection.ExecuteAsync(new CommandDefinition(MarkProcessedSql, new { row.Id, Now, Outcome = outcome, OrderId = order?.Id }, tx, cancellationToken: ct));
        return new Applied(row, order, outcome, Marked: marked == 1);
    }

    private void LogAppliedEvent(Applied a, bool inGroup)
    {
        if (inGroup)
        {
            LogAppliedInGroup(logger, a.Row.Provider, a.Row.EventType, a.Row.Id, a.Order?.OrderNumber, a.Outcome);
        }
        else
        {
            LogApplied(logger, a.Row.Provider, a.Row.EventType, a.Row.Id, a.Order?.OrderNumber, a.Outcome);
        }

        if (a.Order is null)
        {
            LogUnmatched(logger, a.Row.Provider, a.Row.EventType, a.Row.Id);
        }
    }

    private sealed record Applied(InboxRow Row, OrderRow? Order, string Outcome, bool Marked);

    // A notification is done once its provider has been asked (ProviderConfirmation): what was
    // confirmed is applied as its own events; this records the notification's outcome.
    public async Task<ApplyResult> MarkNotificationAsync(long inboxId, string outcome, long? orderId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        using (await db.WriteTurnAsync(WritePriority.Request, ct))
        {
            await connection.ExecuteAsync(new CommandDefinition(MarkProcessedSql, new { Id = inboxId, Now, Outcome = outcome, OrderId = orderId }, cancellationToken: ct));
        }

        return new ApplyResult(outcome, orderId);
    }

    // The same for a group of notifications, in one transaction.
    public async Task MarkNotificationsAsync(IReadOnlyList<(long InboxId, string Outcome, long? OrderId)> notifications, CancellationToken ct)
    {
        if (notifications.Count == 0)
        {
            return;
        }

        await using var connection = await db.OpenAsync(ct);
        using (await db.WriteTurnAsync(WritePriority.Background, ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            foreach (var (inboxId, outcome, orderId) in notifications)
            {
                await connection.ExecuteAsync(new CommandDefinition(MarkProcessedSql, new { Id = inboxId, Now, Outcome = outcome, OrderId = orderId }, tx, cancellationToken: ct));
            }

            await tx.CommitAsync(ct);
        }
    }

    public async Task<OrderRow?> FindOrderForEventAsync(long inboxId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<InboxRow>(new CommandDefinition(db.Pick(LoadEventSql), new { Id = inboxId }, cancellationToken: ct));
        return row is null ? null : await FindOrderAsync(connection, null, row, ct);
    }

    private async Task<string> ApplyToOrderAsync(DbConnection connection, DbTransaction tx, InboxRow e, OrderRow order, List<long> deliveries, CancellationToken ct)
    {
        if (e.ProviderOrderRef is not null && order.ProviderOrderRef is not null && e.ProviderOrderRef != order.ProviderOrderRef)
        {
            return "ignored: the event names another provider order";
        }

        switch (e.EventKind)
        {
            case PaymentEventKind.Paid:
                // Paid after the customer's data was erased (the order had expired or been canceled,
                // and a late payment arrived): no name to license, no address to send to. Staff
                // refunds it from the console.
                if (order.ErasedAt is not null)
                {
                    return await MoveAsync(connection, tx, order, OrderStatus.Review, e, ct)
                        ? "review: paid after the customer's data was erased; refund it"
                        : $"ignored: order is {order.Status}";
                }

                var productMatches = e.Sku is null || string.Equals(e.Sku, order.Sku, StringComparison.OrdinalIgnoreCase);
                if (e.AmountMinor != order.TotalMinor || !string.Equals(e.Currency, order.Currency, StringComparison.Ordinal) || !productMatches)
                {
                    LogAmountMismatch(logger, order.OrderNumber, e.Id);
                    return await MoveAsync(connection, tx, order, OrderStatus.Review, e, ct)
                        ? productMatches ? "review: the paid amount does not match the order" : "review: the paid product does not match the order"
                        : $"ignored: payment mismatch on an order that is {order.Status}";
                }

                if (!await MoveAsync(connection, tx, order, OrderStatus.Paid, e, ct))
                {
                    return $"ignored: order is {order.Status}";
                }

                await IssueLicenseAsync(connection, tx, order, ct);
                var deliveryId = await QueueLicenseMailAsync(connection, tx, order, ct);
                if (deliveryId is { } id)
                {
                    deliveries.Add(id);
                }

                metrics.OrderPaid(order.Provider);
                return "paid: license issued";

            case PaymentEventKind.Pending:
                await connection.ExecuteAsync(new CommandDefinition(RememberTransactionSql, new { order.Id, TransactionRef = e.ProviderTransactionRef, OrderRef = e.ProviderOrderRef, Now }, tx, cancellationToken: ct));
                return "pending: waiting for the provider to settle";

            case PaymentEventKind.Failed:
                return await MoveAsync(connection, tx, order, OrderStatus.Failed, e, ct) ? "failed" : $"ignored: order is {order.Status}";

            case PaymentEventKind.Expired:
                return await MoveAsync(connection, tx, order, OrderStatus.Expired, e, ct) ? "expired" : $"ignored: order is {order.Status}";

            // A cancellation never undoes a payment (customer links reach here only through the provider's
            // confirmation that nothing was paid). A provider that cancels an order it was paid for
            // (the reseller, after a fraud review) has taken the money back: that is a reversal.
            case PaymentEventKind.Canceled:
                return order.Status is OrderStatus.Paid or OrderStatus.Review
                    ? await EndAsync(connection, tx, order, OrderStatus.Reversed, "canceled by the provider after payment", ct, ReversalNotice(order), deliveries)
                    : await EndAsync(connection, tx, order, OrderStatus.Canceled, "canceled by the provider", ct);

            case PaymentEventKind.LicenseDisabled:
                var disabled = await connection.ExecuteAsync(new CommandDefinition(RevokeLicensesSql, new { OrderId = order.Id, Now, Reason = "disabled by the reseller" }, tx, cancellationToken: ct));
                await RevocationSequence.RecordAsync(connection, tx, disabled, Now, ct);
                await connection.ExecuteAsync(new CommandDefinition(CancelUnsentDeliveriesSql, new { OrderId = order.Id, Reason = "license disabled" }, tx, cancellationToken: ct));
                return $"license disabled: {disabled} license(s) revoked";

            case PaymentEventKind.Refunded:
                var refundRef = e.ProviderRefundRef ?? e.ProviderEventId;
                var earlier = await connection.ExecuteScalarAsync<long>(new CommandDefinition(RefundedSoFarSql, new { OrderId = order.Id, RefundRef = refundRef }, tx, cancellationToken: ct));
                var refunded = earlier + (e.AmountMinor ?? order.TotalMinor);
                var refundNotice = new Notice(DeliveryKinds.Refund, OrderNotices.RefundKey(order.Id, refundRef));
                if (refunded < order.TotalMinor)
                {
                    await QueueNoticeAsync(connection, tx, order, refundNotice, deliveries, ct);
                    return $"partial refund: {Money.Format(refunded, order.Currency)} of {Money.Format(order.TotalMinor, order.Currency)}; license kept";
                }

                return await EndAsync(connection, tx, order, OrderStatus.Refunded, "refunded", ct, refundNotice, deliveries);

            case PaymentEventKind.Reversed:
                return await EndAsync(connection, tx, order, OrderStatus.Reversed, "payment reversed", ct, ReversalNotice(order), deliveries);


            // Kept in the order's history for support; a lost dispute arrives as Reversed.
            case PaymentEventKind.Disputed:
                return "dispute recorded: order and license unchanged";

            default:
                return "ignored";
        }
    }

    // The e-mail that tells the customer about a refund or reversal (DeliveryKinds, OrderNotices).
    private sealed record Notice(string Kind, string DedupeKey);

    private static Notice ReversalNotice(OrderRow order) => new(DeliveryKinds.Reversal, OrderNotices.ReversalKey(order.Id));

    private async Task QueueNoticeAsync(DbConnection connection, DbTransaction tx, OrderRow order, Notice notice, List<long> deliveries, CancellationToken ct)
    {
        if (await OrderNotices.QueueAsync(db, connection, tx, order.Id, notice.Kind, notice.DedupeKey, Now, ct) is { } id)
        {
            deliveries.Add(id);
        }
    }

    private async Task<string> EndAsync(DbConnection connection, DbTransaction tx, OrderRow order, string status, string reason, CancellationToken ct,
        Notice? notice = null, List<long>? deliveries = null)
    {
        if (!await MoveAsync(connection, tx, order, status, null, ct))
        {
            return $"ignored: order is {order.Status}";
        }

        if (status is OrderStatus.Refunded or OrderStatus.Reversed)
        {
            metrics.OrderEnded(order.Provider, status);
        }

        var revoked = await connection.ExecuteAsync(new CommandDefinition(RevokeLicensesSql, new { OrderId = order.Id, Now, Reason = reason }, tx, cancellationToken: ct));
        await RevocationSequence.RecordAsync(connection, tx, revoked, Now, ct);
        await connection.ExecuteAsync(new CommandDefinition(CancelUnsentDeliveriesSql, new { OrderId = order.Id, Reason = reason }, tx, cancellationToken: ct));
        if (notice is not null && deliveries is not null)
        {
            await QueueNoticeAsync(connection, tx, order, notice, deliveries, ct);
        }

        return $"{status}: {revoked} license(s) revoked";
    }

    private async Task<bool> MoveAsync(DbConnection connection, DbTransaction tx, OrderRow order, string to, InboxRow? e, CancellationToken ct)
    {
        var from = OrderStatus.SourcesOf(to);
        var moved = await connection.ExecuteAsync(new CommandDefinition(TransitionSql, new
        {
            order.Id,
            To = to,
            From = from,
            Now,
            TransactionRef = e?.ProviderTransactionRef,
            OrderRef = e?.ProviderOrderRef,
        }, tx, cancellationToken: ct));
        return moved == 1;
    }

    // One license per order line; the quantity bought is the number of seats on it.
    private async Task IssueLicenseAsync(DbConnection connection, DbTransaction tx, OrderRow order, CancellationToken ct)
    {
        var license = new LicenseData(LicenseSigner.NewLicenseId(), order.Sku, order.LicenseeName, order.Quantity, order.OrderNumber, DateOnly.FromDateTime(Now));
        var key = licenseKeys.Signer.Sign(license);
        await connection.ExecuteAsync(new CommandDefinition(db.Pick(LicenseRows.InsertSql), new
        {
            OrderId = order.Id,
            LineNo = 1,
            license.LicenseId,
            LicenseKey = key,
            licenseKeys.Signer.KeyId,
            Seats = order.Quantity,
            Now,
        }, tx, cancellationToken: ct));
    }

    private async Task<long?> QueueLicenseMailAsync(DbConnection connection, DbTransaction tx, OrderRow order, CancellationToken ct) =>
        await connection.ExecuteScalarAsync<long?>(new CommandDefinition(db.Pick(InsertDeliverySql), new
        {
            OrderId = order.Id,
            Kind = DeliveryKinds.License,
            DedupeKey = $"license:{order.Id}",
            ToAddress = order.Email,
            Now,
        }, tx, cancellationToken: ct));

    private async Task<OrderRow?> FindOrderAsync(DbConnection connection, DbTransaction? tx, InboxRow e, CancellationToken ct)
    {
        if (e.OrderNumber is not null)
        {
            var byNumber = await connection.QuerySingleOrDefaultAsync<OrderRow>(new CommandDefinition(db.Pick(FindByNumberSql), new { Number = e.OrderNumber, e.Provider }, tx, cancellationToken: ct));
            if (byNumber is not null)
            {
                return byNumber;
            }
        }

        if (e.ProviderOrderRef is not null)
        {
            var byRef = await connection.QuerySingleOrDefaultAsync<OrderRow>(new CommandDefinition(db.Pick(FindByOrderRefSql), new { e.Provider, Ref = e.ProviderOrderRef }, tx, cancellationToken: ct));
            if (byRef is not null)
            {
                return byRef;
            }
        }

        return e.ProviderTransactionRef is null
            ? null
            : await connection.QueryFirstOrDefaultAsync<OrderRow>(new CommandDefinition(db.Pick(FindByTransactionRefSql), new { e.Provider, Ref = e.ProviderTransactionRef }, tx, cancellationToken: ct));
    }

    // The e-mails of one transaction go out as one job (claimed, sent and marked in batches); a lost
    // or failed enqueue loses nothing, the recovery sweep finds every due delivery.
    private void EnqueueDeliveries(List<long> deliveryIds)
    {
        if (deliveryIds.Count == 0)
        {
            return;
        }

        long[] ids = [.. deliveryIds];
        try
        {
            if (ids.Length == 1)
            {
                jobs.Enqueue<SendDeliveryJob>(job => job.RunAsync(ids[0], CancellationToken.None));
            }
            else
            {
                jobs.Enqueue<SendDeliveryJob>(job => job.RunBatchAsync(ids, CancellationToken.None));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogEnqueueFailed(logger, ids.Length, e.GetType().Name);
        }
    }

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied {Provider} {EventType} (inbox {InboxId}) to order {OrderNumber}: {Outcome}")]
    private static partial void LogApplied(ILogger logger, string provider, string eventType, long inboxId, string? orderNumber, string outcome);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Applied {Provider} {EventType} (inbox {InboxId}) to order {OrderNumber}: {Outcome}")]
    private static partial void LogAppliedInGroup(ILogger logger, string provider, string eventType, long inboxId, string? orderNumber, string outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied a group of {Count} event(s) in one transaction: {Outcomes}")]
    private static partial void LogAppliedGroup(ILogger logger, int count, string outcomes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Provider} {EventType} (inbox {InboxId}) matches no order")]
    private static partial void LogUnmatched(ILogger logger, string provider, string eventType, long inboxId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderNumber}: paid amount in inbox {InboxId} does not match the order; sent to review")]
    private static partial void LogAmountMismatch(ILogger logger, string orderNumber, long inboxId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} delivery(ies) stored but not enqueued ({ErrorType}); the recovery sweep will pick them up")]
    private static partial void LogEnqueueFailed(ILogger logger, int count, string errorType);
}
