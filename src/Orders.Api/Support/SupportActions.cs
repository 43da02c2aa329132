using System.Text.RegularExpressions;
using Dapper;
using Hangfire;
using Orders.Api.Data;
using Orders.Api.Licensing;
using Orders.Api.Mail;
using Orders.Api.Orders;
using Orders.Api.Payments;
using Orders.Api.PaymentEvents;

namespace Orders.Api.Support;

internal abstract record ResendOutcome
{
    public sealed record Queued(long DeliveryId, bool Replayed) : ResendOutcome;

    public sealed record NotFound : ResendOutcome;

    public sealed record NoActiveLicense : ResendOutcome;

    // The customer's personal data was erased: no address to send to.
    public sealed record Erased : ResendOutcome;
}

internal abstract record RevokeOutcome
{
    public sealed record Revoked(int Licenses, int CanceledDeliveries) : RevokeOutcome;

    public sealed record Invalid(Dictionary<string, string[]> Errors) : RevokeOutcome;

    public sealed record NotFound : RevokeOutcome;

    public sealed record NoActiveLicense : RevokeOutcome;
}

internal abstract record RefundActionOutcome
{
    // Completed: the provider confirmed the refund and the order is now refunded. Otherwise the
    // provider accepted it but has not finished (PayPal: PENDING); its webhook completes the order.
    public sealed record Refunded(string OrderStatus, string RefundId, long AmountMinor, string Currency, bool Completed) : RefundActionOutcome;

    public sealed record Invalid(Dictionary<string, string[]> Errors) : RefundActionOutcome;

    public sealed record NotFound : RefundActionOutcome;

    // This service or the provider says no (already refunded, nothing captured, refused…).
    public sealed record NotPossible(string Reason) : RefundActionOutcome;

    public sealed record ProviderFailed(bool Unavailable, string Provider) : RefundActionOutcome;
}

// The three things staff can do to an order. Each changes the database with conditional updates
// and writes its audit entry in the same transaction; the API and the pages both call these.
internal sealed partial class SupportActions(
    Db db,
    AuditLog audit,
    PaymentProviders providers,
    PaymentEventProcessor processor,
    IBackgroundJobClient jobs,
    TimeProvider time,
    ILogger<SupportActions> logger)
{
    public const int MaxReasonLength = 200;
    public const int MinReasonLength = 3;
    public const int MaxRequestIdLength = 64;

    private const string ActiveLicensesSql = "SELECT COUNT(*) FROM licenses WHERE order_id = @OrderId AND status = 'active'";

    // Always the order's own address: support never types where a license goes.
    private static readonly Dialect InsertResendSql = new(
        Sqlite: """
            INSERT INTO deliveries (order_id, kind, dedupe_key, to_address, status, attempts, created_at, next_attempt_at)
            SELECT o.id, 'resend', @DedupeKey, o.email, 'pending', 0, @Now, @Now FROM orders o WHERE o.id = @OrderId
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id
            """,
        SqlServer: """
            INSERT INTO deliveries (order_id, kind, dedupe_key, to_address, status, attempts, created_at, next_attempt_at)
            OUTPUT INSERTED.id
            SELECT o.id, 'resend', @DedupeKey, o.email, 'pending', 0, @Now, @Now FROM orders o
            WHERE o.id = @OrderId AND NOT EXISTS (SELECT 1 FROM deliveries WITH (UPDLOCK, HOLDLOCK) WHERE dedupe_key = @DedupeKey)
            """,
        PostgreSql: """
            INSERT INTO deliveries (order_id, kind, dedupe_key, to_address, status, attempts, created_at, next_attempt_at)
            SELECT o.id, 'resend', @DedupeKey, o.email, 'pending', 0, @Now, @Now FROM orders o WHERE o.id = @OrderId
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id
            """);

    private const string DeliveryByKeySql = "SELECT id FROM deliveries WHERE dedupe_key = @DedupeKey";

    // Every revocation also moves the published revocation list on (RevocationSequence).
    private const string RevokeSql = """
        UPDATE licenses SET status = 'revoked', revoked_at = @Now, revoke_reason = @Reason
        WHERE order_id = @OrderId AND status = 'active'
        """;

    // A revoked key must not be mailed out afterwards (the e-mails that tell the customer why still go).
    private const string CancelPendingDeliveriesSql = """
        UPDATE deliveries SET status = 'canceled', last_error = 'license revoked by staff'
        WHERE order_id = @OrderId AND status = 'pending' AND kind IN ('license', 'resend')
        """;

    private const string StatusSql = "SELECT status FROM orders WHERE id = @Id";

    public static bool IsValidRequestId(string? requestId) =>
        requestId is null || (requestId.Length is > 0 and <= MaxRequestIdLength && RequestIdPattern().IsMatch(requestId));

    // requestId makes a repeated request (a double click, a client retry) one e-mail, not two.
    public async Task<ResendOutcome> ResendAsync(StaffMember staff, string orderNumber, string? requestId, CancellationToken ct)
    {
        if (!SupportOrders.IsPlausibleOrderNumber(orderNumber))
        {
            return new ResendOutcome.NotFound();
        }

        long deliveryId;
        await using (var connection = await db.OpenAsync(ct))
        using (await db.WriteTurnAsync(WritePriority.Interactive, ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            var order = await SupportOrders.FindAsync(connection, tx, orderNumber, ct);
            if (order is null)
            {
                return new ResendOutcome.NotFound();
            }

            if (order.ErasedAt is not null)
            {
                return new ResendOutcome.Erased();
            }

            var active = await connection.ExecuteScalarAsync<long>(new CommandDefinition(ActiveLicensesSql, new { OrderId = order.Id }, tx, cancellationToken: ct));
            if (active == 0)
            {
                return new ResendOutcome.NoActiveLicense();
            }

            var dedupeKey = $"resend:{order.Id}:{requestId ?? Guid.NewGuid().ToString("N")}";
            var inserted = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(db.Pick(InsertResendSql),
                new { OrderId = order.Id, DedupeKey = dedupeKey, Now = time.GetUtcNow().UtcDateTime }, tx, cancellationToken: ct));
            if (inserted is null)
            {
                var existing = await connection.ExecuteScalarAsync<long>(new CommandDefinition(DeliveryByKeySql, new { DedupeKey = dedupeKey }, tx, cancellationToken: ct));
                return new ResendOutcome.Queued(existing, Replayed: true);
            }

            deliveryId = inserted.Value;
            await audit.WriteAsync(connection, tx, staff, AuditActions.Resend, order.Id, order.OrderNumber, $"e-mail #{deliveryId} to the order's address", ct);
            await tx.CommitAsync(ct);
        }

        LogResend(logger, staff.Id, orderNumber, deliveryId);
        Enqueue(deliveryId);
        return new ResendOutcome.Queued(deliveryId, Replayed: false);
    }

    public static Dictionary<string, string[]>? ReasonProblems(string? reason, bool required)
    {
        var text = reason?.Trim() ?? "";
        string? problem = text.Length == 0 && !required ? null
            : text.Length < MinReasonLength ? $"Say why, in at least {MinReasonLength} characters."
            : text.Length > MaxReasonLength ? $"Keep the reason under {MaxReasonLength} characters."
            : CardNumberGuard.ContainsCardLikeNumber(text) ? "The reason looks like it contains a payment card number; never write card data here."
            : null;
        return problem is null ? null : new() { ["reason"] = [problem] };
    }

    public async Task<RevokeOutcome> RevokeAsync(StaffMember staff, string orderNumber, string? reason, CancellationToken ct)
    {
        if (ReasonProblems(reason, required: true) is { } errors)
        {
            return new RevokeOutcome.Invalid(errors);
        }

        if (!SupportOrders.IsPlausibleOrderNumber(orderNumber))
        {
            return new RevokeOutcome.NotFound();
        }

        var why = reason!.Trim();
        await using var connection = await db.OpenAsync(ct);
        using var turn = await db.WriteTurnAsync(WritePriority.Interactive, ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var order = await SupportOrders.FindAsync(connection, tx, orderNumber, ct);
        if (order is null)
        {
            return new RevokeOutcome.NotFound();
        }

        var now = time.GetUtcNow().UtcDateTime;
        var revoked = await connection.ExecuteAsync(new CommandDefinition(RevokeSql, new { OrderId = order.Id, Now = now, Reason = why }, tx, cancellationToken: ct));
        if (revoked == 0)
        {
            return new RevokeOutcome.NoActiveLicense();
        }

        await RevocationSequence.RecordAsync(connection, tx, revoked, now, ct);

        var canceled = await connection.ExecuteAsync(new CommandDefinition(CancelPendingDeliveriesSql, new { OrderId = order.Id }, tx, cancellationToken: ct));
        // The customer is told, in the same transaction; staff's reason stays internal.
        var notice = await OrderNotices.QueueAsync(db, connection, tx, order.Id, DeliveryKinds.Revocation, OrderNotices.RevocationKey(order.Id, now), now, ct);
        await audit.WriteAsync(connection, tx, staff, AuditActions.Revoke, order.Id, order.OrderNumber,
            $"{revoked} license(s) revoked{(canceled > 0 ? $", {canceled} unsent e-mail(s) canceled" : "")}: {why}", ct);
        await tx.CommitAsync(ct);
        LogRevoked(logger, staff.Id, order.OrderNumber, revoked);
        if (notice is { } deliveryId)
        {
            Enqueue(deliveryId);
        }

        return new RevokeOutcome.Revoked(revoked, canceled);
    }

    private void Enqueue(long deliveryId)
    {
        try
        {
            jobs.Enqueue<SendDeliveryJob>(job => job.RunAsync(deliveryId, CancellationToken.None));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Stored is what matters: the recovery sweep sends pending rows the queue never saw.
            LogEnqueueFailed(logger, deliveryId, e.GetType().Name);
        }
    }

    // Refunds what is left of the order at its provider (all of it, unless part was refunded
    // already, e.g. by the vendor at the provider's own site). The provider's answer is stored in the inbox and
    // applied like any webhook, so the state machine does the rest (refunded, licenses revoked,
    // unsent e-mails canceled) and the provider's own refund webhook that follows, carrying the
    // same refund id, is recognised as the same event. The idempotency key makes a retry (or two
    // admins clicking at once) one refund at the provider.
    // amount: a decimal string in the order's currency ("10.00", JPY "1000"); none refunds all that is left.
    public async Task<RefundActionOutcome> RefundAsync(StaffMember staff, string orderNumber, string? reason, string? amount, CancellationToken ct)
    {
        if (ReasonProblems(reason, required: false) is { } errors)
        {
            return new RefundActionOutcome.Invalid(errors);
        }

        if (!SupportOrders.IsPlausibleOrderNumber(orderNumber))
        {
            return new RefundActionOutcome.NotFound();
        }

        OrderRow? order;
        long refundedBefore = 0;
        await using (var connection = await db.OpenAsync(ct))
        {
            order = await SupportOrders.FindAsync(connection, null, orderNumber, ct);
            if (order is not null)
            {
                refundedBefore = await SupportOrders.RefundedSoFarAsync(connection, null, order.Id, ct);
            }
        }

        if (order is null)
        {
            return new RefundActionOutcome.NotFound();
        }

        var note = string.IsNullOrWhiteSpace(reason) ? "" : $"; reason: {reason.Trim()}";
        if (SupportOrders.RefundProblem(order.Status, order.Provider) is { } problem)
        {
            return new RefundActionOutcome.NotPossible(problem);
        }

        var remaining = order.TotalMinor - refundedBefore;
        if (remaining <= 0)
        {
            return new RefundActionOutcome.NotPossible("The whole amount was refunded already.");
        }

        var requested = remaining;
        if (!string.IsNullOrWhiteSpace(amount))
        {
            if (AmountProblem(amount.Trim(), order.Currency, remaining, out requested) is { } amountProblem)
            {
                return new RefundActionOutcome.Invalid(new() { ["amount"] = [amountProblem] });
            }
        }

        var provider = providers.Find(order.Provider);
        if (provider is null)
        {
            return new RefundActionOutcome.NotPossible($"Refunds through {ProviderLabels.Name(order.Provider)} are not configured on this server.");
        }

        RefundOutcome outcome;
        try
        {
            outcome = await provider.RefundAsync(new RefundRequest(order.OrderNumber, order.ProviderOrderRef, order.ProviderTransactionRef,
                requested, order.Currency, IdempotencyKey: RefundIdempotencyKey(order.OrderNumber, refundedBefore, requested == remaining ? null : requested)), ct);
        }
        catch (PaymentProviderException e)
        {
            LogRefundFailed(logger, staff.Id, order.OrderNumber, e.Provider, e.Unavailable);
            await audit.WriteAsync(staff, AuditActions.RefundFailed, order.Id, order.OrderNumber,
                $"{ProviderLabels.Name(e.Provider)} {(e.Unavailable ? "could not be reached" : "answered with an error")}; nothing was refunded{note}", CancellationToken.None);
            return new RefundActionOutcome.ProviderFailed(e.Unavailable, ProviderLabels.Name(e.Provider));
        }

        if (outcome.Refund is not { } refund)
        {
            var why = outcome.NotPossibleReason ?? "The provider did not refund the order.";
            LogRefundRefused(logger, staff.Id, order.OrderNumber);
            await audit.WriteAsync(staff, AuditActions.RefundRefused, order.Id, order.OrderNumber, why + note, CancellationToken.None);
            return new RefundActionOutcome.NotPossible(why);
        }

        // From here the money is on its way back: finish even if the browser goes away.
        var applied = await processor.RecordAndProcessAsync(refund, CancellationToken.None);
        string status;
        await using (var connection = await db.OpenAsync(CancellationToken.None))
        {
            status = await connection.ExecuteScalarAsync<string>(new CommandDefinition(StatusSql, new { order.Id }, cancellationToken: CancellationToken.None)) ?? order.Status;
        }

        var refunded = refund.AmountMinor ?? requested;
        var currency = refund.Currency ?? order.Currency;
        await audit.WriteAsync(staff, AuditActions.Refund, order.Id, order.OrderNumber,
            $"{Money.Format(refunded, currency)}{(requested < remaining ? $" of {Money.Format(remaining, order.Currency)} left" : "")} refunded at {ProviderLabels.Name(order.Provider)} (refund {refund.RefundRef ?? refund.EventId}); {applied.Outcome}{note}", CancellationToken.None);
        LogRefunded(logger, staff.Id, order.OrderNumber, status);
        // A partial refund that the provider completed leaves the order paid: Completed says the refund went through.
        var completed = status == OrderStatus.Refunded || (requested < remaining && refund.Kind == PaymentEventKind.Refunded);
        return new RefundActionOutcome.Refunded(status, refund.RefundRef ?? refund.EventId, refunded, currency, completed);
    }

    // Greater than zero, at most what is left, and no more decimal places than the currency has.
    public static string? AmountProblem(string amount, string currency, long remaining, out long minor)
    {
        var rest = Money.Format(remaining, currency);
        if (!Money.TryParseMinor(amount, currency, out minor))
        {
            return $"Give an amount in {currency} with at most {Money.Decimals(currency)} decimal places, e.g. {Money.ToDecimalString(remaining, currency)}.";
        }

        return minor <= 0 ? "The amount must be more than zero."
            : minor > remaining ? $"At most {rest} is left to refund."
            : null;
    }

    // The same request for the same state of the order is one refund at the provider (a retry, two
    // admins at once); after another refund changed what is left, or for another amount, it is a new request.
    private static string RefundIdempotencyKey(string orderNumber, long refundedBefore, long? partialAmount) =>
        (refundedBefore == 0 ? $"support-refund-{orderNumber}" : $"support-refund-{orderNumber}-after-{refundedBefore}")
        + (partialAmount is { } part ? $"-part-{part}" : "");

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex RequestIdPattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "Staff user {StaffUserId} resent the license of order {OrderNumber} (delivery {DeliveryId})")]
    private static partial void LogResend(ILogger logger, long staffUserId, string orderNumber, long deliveryId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery {DeliveryId} stored but not enqueued ({ErrorType}); the recovery sweep will pick it up")]
    private static partial void LogEnqueueFailed(ILogger logger, long deliveryId, string errorType);

    [LoggerMessage(Level = LogLevel.Information, Message = "Staff user {StaffUserId} revoked {Count} license(s) of order {OrderNumber}")]
    private static partial void LogRevoked(ILogger logger, long staffUserId, string orderNumber, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Staff user {StaffUserId} refunded order {OrderNumber}; order is now {Status}")]
    private static partial void LogRefunded(ILogger logger, long staffUserId, string orderNumber, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refund of order {OrderNumber} by staff user {StaffUserId} refused by the provider")]
    private static partial void LogRefundRefused(ILogger logger, long staffUserId, string orderNumber);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refund of order {OrderNumber} by staff user {StaffUserId} failed at {Provider} (unavailable: {Unavailable})")]
    private static partial void LogRefundFailed(ILogger logger, long staffUserId, string orderNumber, string provider, bool unavailable);
}
