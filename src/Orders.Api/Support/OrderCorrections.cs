using System.Data.Common;
using Dapper;
using Hangfire;
using Orders.Api.Checkout;
using Orders.Api.Data;
using Orders.Api.Licensing;
using Orders.Api.Mail;
using Orders.Api.Orders;
using Orders.Licensing;

namespace Orders.Api.Support;

internal abstract record CorrectionOutcome
{
    // DeliveryId: the license e-mail queued to the order's (new) address, when there is a key to send.
    public sealed record Done(long? DeliveryId, int LicenseLine) : CorrectionOutcome;

    public sealed record Invalid(Dictionary<string, string[]> Errors) : CorrectionOutcome;

    public sealed record NotFound : CorrectionOutcome;

    public sealed record Erased : CorrectionOutcome;

    // Nothing to correct, or the order's state does not allow it; Reason says which, for staff.
    public sealed record NotPossible(string Reason) : CorrectionOutcome;
}

// The two mistakes customers make at checkout that support fixes: a mistyped e-mail address and a
// misspelt licensee name. Each is checked as checkout checks it, changes the order with a
// conditional update, and queues the license e-mail to the order's address, all with its audit
// entry in one transaction. Audit entries say what changed, never the address or the name
// (PRIVACY.md, audit_log).
internal sealed partial class OrderCorrections(
    Db db,
    AuditLog audit,
    LicenseKeys licenseKeys,
    IBackgroundJobClient jobs,
    TimeProvider time,
    ILogger<OrderCorrections> logger)
{
    public const string LicenseeCorrectedReason = "licensee name corrected";

    private const string ChangeEmailSql = """
        UPDATE orders SET email = @Email, updated_at = @Now
        WHERE id = @Id AND email = @OldEmail AND erased_at IS NULL
        """;

    private const string ChangeLicenseeSql = """
        UPDATE orders SET licensee_name = @LicenseeName, updated_at = @Now
        WHERE id = @Id AND licensee_name = @OldLicenseeName AND erased_at IS NULL
        """;

    // Key e-mails not sent yet go nowhere: to the old address (mistyped), or with the old key.
    private const string CancelUnsentKeysSql = """
        UPDATE deliveries SET status = 'canceled', last_error = @Reason
        WHERE order_id = @OrderId AND status = 'pending' AND kind IN ('license', 'resend')
        """;

    private const string ActiveLicensesSql = "SELECT line_no FROM licenses WHERE order_id = @OrderId AND status = 'active' ORDER BY line_no";

    private const string NextLineSql = "SELECT COALESCE(MAX(line_no), 0) + 1 FROM licenses WHERE order_id = @OrderId";

    // The revocation list moves on with it (RevocationSequence), in the same transaction.
    private const string RevokeLicensesSql = """
        UPDATE licenses SET status = 'revoked', revoked_at = @Now, revoke_reason = @Reason
        WHERE order_id = @OrderId AND status = 'active'
        """;

    // Always to the order's own address, as it is after the change.
    private static readonly Dialect InsertKeyMailSql = new(
        Sqlite: """
            INSERT INTO deliveries (order_id, kind, dedupe_key, to_address, status, attempts, created_at, next_attempt_at)
            SELECT o.id, @Kind, @DedupeKey, o.email, 'pending', 0, @Now, @Now FROM orders o WHERE o.id = @OrderId
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id
            """,
        SqlServer: """
            INSERT INTO deliveries (order_id, kind, dedupe_key, to_address, status, attempts, created_at, next_attempt_at)
            OUTPUT INSERTED.id
            SELECT o.id, @Kind, @DedupeKey, o.email, 'pending', 0, @Now, @Now FROM orders o
            WHERE o.id = @OrderId AND NOT EXISTS (SELECT 1 FROM deliveries WITH (UPDLOCK, HOLDLOCK) WHERE dedupe_key = @DedupeKey)
            """,
        PostgreSql: """
            INSERT INTO deliveries (order_id, kind, dedupe_key, to_address, status, attempts, created_at, next_attempt_at)
            SELECT o.id, @Kind, @DedupeKey, o.email, 'pending', 0, @Now, @Now FROM orders o WHERE o.id = @OrderId
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id
            """);

    public async Task<CorrectionOutcome> ChangeEmailAsync(StaffMember staff, string orderNumber, string? email, CancellationToken ct)
    {
        if (CheckoutValidation.EmailProblem(email) is { } problem)
        {
            return new CorrectionOutcome.Invalid(new() { ["email"] = [problem] });
        }

        if (!SupportOrders.IsPlausibleOrderNumber(orderNumber))
        {
            return new CorrectionOutcome.NotFound();
        }

        var address = email!.Trim();
        long? deliveryId = null;
        await using (var connection = await db.OpenAsync(ct))
        using (await db.WriteTurnAsync(WritePriority.Interactive, ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            var order = await SupportOrders.FindAsync(connection, tx, orderNumber, ct);
            if (order is null)
            {
                return new CorrectionOutcome.NotFound();
            }

            if (order.ErasedAt is not null)
            {
                return new CorrectionOutcome.Erased();
            }

            if (string.Equals(order.Email, address, StringComparison.Ordinal))
            {
                return new CorrectionOutcome.NotPossible("The order already has this address.");
            }

            var now = time.GetUtcNow().UtcDateTime;
            var changed = await connection.ExecuteAsync(new CommandDefinition(ChangeEmailSql,
                new { order.Id, Email = address, OldEmail = order.Email, Now = now }, tx, cancellationToken: ct));
            if (changed == 0)
            {
                return new CorrectionOutcome.NotPossible("The order changed meanwhile; open it again.");
            }

            var canceled = await connection.ExecuteAsync(new CommandDefinition(CancelUnsentKeysSql,
                new { OrderId = order.Id, Reason = "e-mail address changed by staff" }, tx, cancellationToken: ct));
            var active = (await connection.QueryAsync<int>(new CommandDefinition(ActiveLicensesSql, new { OrderId = order.Id }, tx, cancellationToken: ct))).AsList();
            if (active.Count > 0)
            {
                deliveryId = await QueueKeyMailAsync(connection, tx, order.Id, DeliveryKinds.Resend, $"resend:{order.Id}:email-{now.Ticks}", now, ct);
            }

            var what = "e-mail address changed"
                + (canceled > 0 ? $"; {canceled} unsent e-mail(s) to the old address canceled" : "")
                + (deliveryId is { } id ? $"; license e-mail #{id} to the new address" : "; no license to send yet");
            await audit.WriteAsync(connection, tx, staff, AuditActions.EmailChanged, order.Id, order.OrderNumber, what, ct);
            await tx.CommitAsync(ct);
            LogEmailChanged(logger, staff.Id, order.OrderNumber);
            if (deliveryId is { } queued)
            {
                Enqueue(queued);
            }

            return new CorrectionOutcome.Done(deliveryId, active.Count > 0 ? active[^1] : 0);
        }
    }

    // The name is signed into the key, so a new key: the old license is revoked (the revocation list
    // moves on), a new one issued on the next line, and mailed. The customer is not sent a
    // "your license was revoked" e-mail: the new key's e-mail is what they get.
    public async Task<CorrectionOutcome> CorrectLicenseeAsync(StaffMember staff, string orderNumber, string? licenseeName, CancellationToken ct)
    {
        if (CheckoutValidation.LicenseeNameProblem(licenseeName) is { } problem)
        {
            return new CorrectionOutcome.Invalid(new() { ["licenseeName"] = [problem] });
        }

        if (!SupportOrders.IsPlausibleOrderNumber(orderNumber))
        {
            return new CorrectionOutcome.NotFound();
        }

        var name = licenseeName!.Trim();
        await using var connection = await db.OpenAsync(ct);
        using var turn = await db.WriteTurnAsync(WritePriority.Interactive, ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var order = await SupportOrders.FindAsync(connection, tx, orderNumber, ct);
        if (order is null)
        {
            return new CorrectionOutcome.NotFound();
        }

        if (order.ErasedAt is not null)
        {
            return new CorrectionOutcome.Erased();
        }

        if (string.Equals(order.LicenseeName, name, StringComparison.Ordinal))
        {
            return new CorrectionOutcome.NotPossible("The order already has this licensee name.");
        }

        var active = (await connection.QueryAsync<int>(new CommandDefinition(ActiveLicensesSql, new { OrderId = order.Id }, tx, cancellationToken: ct))).AsList();
        if (active.Count == 0 && order.Status != OrderStatus.Pending)
        {
            return new CorrectionOutcome.NotPossible("The order has no active license to correct (it is " + order.Status + ").");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var changed = await connection.ExecuteAsync(new CommandDefinition(ChangeLicenseeSql,
            new { order.Id, LicenseeName = name, OldLicenseeName = order.LicenseeName, Now = now }, tx, cancellationToken: ct));
        if (changed == 0)
        {
            return new CorrectionOutcome.NotPossible("The order changed meanwhile; open it again.");
        }

        // Not paid yet: the license is issued with the corrected name when the payment is confirmed.
        if (active.Count == 0)
        {
            await audit.WriteAsync(connection, tx, staff, AuditActions.LicenseeCorrected, order.Id, order.OrderNumber, "licensee name corrected before payment", ct);
            await tx.CommitAsync(ct);
            LogLicenseeCorrected(logger, staff.Id, order.OrderNumber, 0);
            return new CorrectionOutcome.Done(null, 0);
        }

        var revoked = await connection.ExecuteAsync(new CommandDefinition(RevokeLicensesSql,
            new { OrderId = order.Id, Now = now, Reason = LicenseeCorrectedReason }, tx, cancellationToken: ct));
        await RevocationSequence.RecordAsync(connection, tx, revoked, now, ct);
        await connection.ExecuteAsync(new CommandDefinition(CancelUnsentKeysSql, new { OrderId = order.Id, Reason = LicenseeCorrectedReason }, tx, cancellationToken: ct));

        var line = await connection.ExecuteScalarAsync<int>(new CommandDefinition(NextLineSql, new { OrderId = order.Id }, tx, cancellationToken: ct));
        var license = new LicenseData(LicenseSigner.NewLicenseId(), order.Sku, name, order.Quantity, order.OrderNumber, DateOnly.FromDateTime(now));
        var issued = await connection.ExecuteAsync(new CommandDefinition(db.Pick(LicenseRows.InsertSql), new
        {
            OrderId = order.Id,
            LineNo = line,
            license.LicenseId,
            LicenseKey = licenseKeys.Signer.Sign(license),
            licenseKeys.Signer.KeyId,
            Seats = order.Quantity,
            Now = now,
        }, tx, cancellationToken: ct));
        if (issued == 0)
        {
            // Another correction took this line at the same moment: nothing of this one is kept.
            await tx.RollbackAsync(ct);
            return new CorrectionOutcome.NotPossible("The order changed meanwhile; open it again.");
        }

        var deliveryId = await QueueKeyMailAsync(connection, tx, order.Id, DeliveryKinds.License, $"license:{order.Id}:line-{line}", now, ct);
        await audit.WriteAsync(connection, tx, staff, AuditActions.LicenseeCorrected, order.Id, order.OrderNumber,
            $"licensee name corrected: {revoked} license(s) revoked, license line {line} issued" + (deliveryId is { } id ? $", e-mail #{id} to the order's address" : ""), ct);
        await tx.CommitAsync(ct);
        LogLicenseeCorrected(logger, staff.Id, order.OrderNumber, line);
        if (deliveryId is { } queued)
        {
            Enqueue(queued);
        }

        return new CorrectionOutcome.Done(deliveryId, line);
    }

    private Task<long?> QueueKeyMailAsync(DbConnection connection, DbTransaction tx, long orderId, string kind, string dedupeKey, DateTime now, CancellationToken ct) =>
        connection.ExecuteScalarAsync<long?>(new CommandDefinition(db.Pick(InsertKeyMailSql),
            new { OrderId = orderId, Kind = kind, DedupeKey = dedupeKey, Now = now }, tx, cancellationToken: ct));

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Staff user {StaffUserId} changed the e-mail address of order {OrderNumber}")]
    private static partial void LogEmailChanged(ILogger logger, long staffUserId, string orderNumber);

    [LoggerMessage(Level = LogLevel.Information, Message = "Staff user {StaffUserId} corrected the licensee name of order {OrderNumber} (new license line {Line})")]
    private static partial void LogLicenseeCorrected(ILogger logger, long staffUserId, string orderNumber, int line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery {DeliveryId} stored but not enqueued ({ErrorType}); the recovery sweep will pick it up")]
    private static partial void LogEnqueueFailed(ILogger logger, long deliveryId, string errorType);
}
