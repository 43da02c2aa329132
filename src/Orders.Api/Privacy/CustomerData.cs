using System.Data.Common;
using System.Globalization;
using Dapper;
using Microsoft.Extensions.Options;
using Orders.Api.Data;
using Orders.Api.Mail;
using Orders.Api.Orders;
using Orders.Api.Support;

namespace Orders.Api.Privacy;

internal sealed record ExportedProviderEvent(string Provider, string EventType, string Kind, long? AmountMinor, string? Currency, DateTime ReceivedAt, DateTime? ProcessedAt, string? Outcome);

internal sealed record ExportedOrder(
    string OrderNumber,
    string Status,
    string Sku,
    string ProductName,
    int Quantity,
    long UnitPriceMinor,
    long TotalMinor,
    string Currency,
    string Email,
    string LicenseeName,
    string Provider,
    string? ProviderOrderRef,
    string? ProviderTransactionRef,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? PaidAt,
    IReadOnlyList<SupportLicenseView> Licenses,
    IReadOnlyList<SupportDeliveryView> Deliveries,
    IReadOnlyList<ExportedProviderEvent> ProviderEvents,
    IReadOnlyList<OrderNoteView> StaffNotes);

internal sealed record ExportedAuditEntry(DateTime At, string Actor, string Action, string? OrderNumber, string? Detail);

// Everything the service stores about one e-mail address, as one document (the customer's right of
// access). Licenses and e-mails have the shape the support console shows them in.
internal sealed record CustomerExport(
    string Email,
    DateTime ExportedAt,
    string ExportedBy,
    IReadOnlyList<ExportedOrder> Orders,
    IReadOnlyList<ConsentRecord> PrivacyNoticeConsents,
    IReadOnlyList<ExportedAuditEntry> AuditEntries);

// OrdersErasedWhenTheyEnd: orders of the address still waiting for their payment when the erasure
// was asked for; each is erased by the expiry and retention job once it has ended.
internal sealed record ErasureSummary(
    int OrdersErased,
    int LicenseKeysErased,
    int EmailsErased,
    int ConsentRecordsErased,
    DateTime ErasedAt,
    IReadOnlyList<string> OrderNumbers,
    int OrdersErasedWhenTheyEnd,
    IReadOnlyList<string> OrderNumbersErasedWhenTheyEnd);

internal sealed record PreviewOrder(string OrderNumber, DateTime CreatedAt, string Status, string ProductName);

internal sealed record CustomerPreview(IReadOnlyList<PreviewOrder> Orders, int ConsentRecords);

internal abstract record ErasureOutcome
{
    public sealed record Erased(ErasureSummary Summary) : ErasureOutcome;

    public sealed record NothingStored : ErasureOutcome;

    // The orders changed between the check and the erasure (a payment arrived, a concurrent erasure).
    public sealed record Conflict : ErasureOutcome;
}

// Export and erasure of one customer's personal data (issue: privacy promises). A customer is an
// e-mail address, matched without regard to case on every order. Erasure replaces the address and
// the licensee name with a tombstone on the orders, the e-mail rows and the consent records, and
// removes the stored license key text (which embeds the licensee name): the customer's key stays
// valid (it is verified offline against the public keys and is not revoked), while what
// bookkeeping must keep stays (order number, product, amounts, currency, dates, provider
// references, license ids). SQLite runs with secure_delete, so the old values are zeroed in the
// file, and the WAL is checkpointed right after so no copy lingers there either.
// An order still waiting for its payment is not erased at once (the provider may yet confirm it,
// and the customer who paid is owed the license): it is marked (erase_requested_at) and erased by
// the expiry and retention job as soon as it has ended: canceled, failed or expired, or paid with
// its license e-mail sent. Unpaid orders expire by themselves, so nobody can hold an erasure off
// by starting checkouts with someone's address.
internal sealed partial class CustomerData(
    Db db,
    AuditLog audit,
    IOptions<MailOptions> mail,
    PickupMailTransport pickup,
    TimeProvider time,
    ILogger<CustomerData> logger)
{
    public const string Tombstone = "[erased]";
    public const int MaxEmailLength = 254;

    private const string OrdersSql = """
        SELECT id, order_number, status, sku, product_name, quantity, unit_price_minor, total_minor, currency, email, licensee_name,
               provider, provider_order_ref, provider_transaction_ref, created_at, updated_at, paid_at
        FROM orders WHERE email_lower IN @Keys AND erased_at IS NULL ORDER BY id
        """;

    private const string EventsSql = """
        SELECT order_id, provider, event_type, kind, amount_minor, currency, received_at, processed_at, outcome
        FROM webhook_inbox WHERE order_id IN @OrderIds ORDER BY id
        """;

    private const string AuditSql = """
        SELECT id, at, actor, action, order_number, detail FROM audit_log WHERE order_id IN @OrderIds ORDER BY id
        """;

    // The first write of the erasure transaction, so it takes the write lock before anything else
    // is changed; an order that started waiting for a payment meanwhile makes the count differ.
    private const string EraseOrdersSql = """
        UPDATE orders SET email = @Tombstone, licensee_name = @Tombstone, checkout_fingerprint = NULL, erased_at = @Now, updated_at = @Now
        WHERE id IN @OrderIds AND erased_at IS NULL AND status <> 'pending'
        """;

    // The status is left as it is (updated_at too: retention counts from the last status change).
    private const string RequestErasureSql = """
        UPDATE orders SET erase_requested_at = COALESCE(erase_requested_at, @Now)
        WHERE id IN @WaitingIds AND erased_at IS NULL AND status = 'pending'
        """;

    // Orders whose erasure waited for them to end, and have: not pending, and no e-mail of theirs
    // still to send (a license paid for after the request reaches the customer first).
    private static readonly Dialect EndedErasureRequestsSql = new(
        Sqlite: """
            SELECT id, order_number, status, sku, product_name, quantity, unit_price_minor, total_minor, currency, email, licensee_name,
                   provider, provider_order_ref, provider_transaction_ref, created_at, updated_at, paid_at
            FROM orders o
            WHERE erase_requested_at IS NOT NULL AND erased_at IS NULL AND status <> 'pending'
              AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.order_id = o.id AND d.status IN ('pending', 'sending'))
            ORDER BY id LIMIT @Limit
            """,
        SqlServer: """
            SELECT TOP (@Limit) id, order_number, status, sku, product_name, quantity, unit_price_minor, total_minor, currency, email, licensee_name,
                   provider, provider_order_ref, provider_transaction_ref, created_at, updated_at, paid_at
            FROM orders o
            WHERE erase_requested_at IS NOT NULL AND erased_at IS NULL AND status <> 'pending'
              AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.order_id = o.id AND d.status IN ('pending', 'sending'))
            ORDER BY id
            """,
        PostgreSql: """
            SELECT id, order_number, status, sku, product_name, quantity, unit_price_minor, total_minor, currency, email, licensee_name,
                   provider, provider_order_ref, provider_transaction_ref, created_at, updated_at, paid_at
            FROM orders o
            WHERE erase_requested_at IS NOT NULL AND erased_at IS NULL AND status <> 'pending'
              AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.order_id = o.id AND d.status IN ('pending', 'sending'))
            ORDER BY id LIMIT @Limit
            """);

    private const string DeliveryIdsSql = "SELECT id FROM deliveries WHERE order_id IN @OrderIds";

    private const string EraseLicenseKeysSql = "UPDATE licenses SET license_key = @Tombstone WHERE order_id IN @OrderIds";

    // An e-mail not sent yet is never sent now; one being sent when this commits finishes, but its
    // "sent" mark no longer applies.
    private const string EraseDeliveriesSql = """
        UPDATE deliveries
        SET to_address = @Tombstone,
            last_error = CASE WHEN status IN ('pending', 'sending') THEN 'customer data erased' ELSE last_error END,
            claimed_until = NULL,
            status = CASE WHEN status IN ('pending', 'sending') THEN 'canceled' ELSE status END
        WHERE order_id IN @OrderIds
        """;

    // The choice stays (how many accepted a notice is bookkeeping); whose choice it was does not.
    private static readonly Dialect EraseConsentsSql = new(
        Sqlite: "UPDATE privacy_notice_recipients SET email_lower = 'erased:' || id WHERE email_lower IN @Keys OR order_id IN @OrderIds",
        SqlServer: "UPDATE privacy_notice_recipients SET email_lower = CONCAT('erased:', id) WHERE email_lower IN @Keys OR order_id IN @OrderIds",
        PostgreSql: "UPDATE privacy_notice_recipients SET email_lower = 'erased:' || id WHERE email_lower IN @Keys OR order_id IN @OrderIds");

    // A key-recovery request not looked up yet holds the address as typed: it is dropped, not answered.
    // Staff's notes are about the customer: they go with the rest (order_notes, PRIVACY.md).
    private const string DeleteNotesSql = "DELETE FROM order_notes WHERE order_id IN @OrderIds";

    private const string EraseRecoveryRequestsSql = "DELETE FROM license_recovery_requests WHERE LOWER(email) IN @Keys";

    // Free text staff wrote about these orders may quote the customer (a revoke reason, a refund note).
    private const string FreeTextSql = """
        SELECT 'audit' AS Source, id AS Id, detail AS Text FROM audit_log WHERE order_id IN @OrderIds AND detail IS NOT NULL
        UNION ALL
        SELECT 'license' AS Source, id AS Id, revoke_reason AS Text FROM licenses WHERE order_id IN @OrderIds AND revoke_reason IS NOT NULL
        """;

    private const string ScrubAuditSql = "UPDATE audit_log SET detail = @Text WHERE id = @Id";

    private const string ScrubRevokeReasonSql = "UPDATE licenses SET revoke_reason = @Text WHERE id = @Id";

    // The keys an address is stored under in orders.email_lower and privacy_notice_recipients:
    // SQLite's lower() folds only ASCII letters, SQL Server's LOWER() folds all of them, so both
    // foldings are looked up.
    public static IReadOnlyList<string> AddressKeys(string email)
    {
        var trimmed = email.Trim();
        var ascii = string.Create(trimmed.Length, trimmed, (span, s) =>
        {
            for (var i = 0; i < s.Length; i++)
            {
                span[i] = char.IsAsciiLetterUpper(s[i]) ? (char)(s[i] + 32) : s[i];
            }
        });
        var full = trimmed.ToLowerInvariant();
        return ascii == full ? [ascii] : [ascii, full];
    }

    public static string? EmailProblem(string? email) =>
        string.IsNullOrWhiteSpace(email) ? "Give the customer's e-mail address."
        : email.Trim().Length > MaxEmailLength ? $"An e-mail address has at most {MaxEmailLength} characters."
        : !email.Contains('@', StringComparison.Ordinal) ? "That is not an e-mail address."
        : email.Trim() == Tombstone ? "That is the tombstone of erased data, not an address."
        : null;

    // What the console shows before an export or erasure. Looking is recorded like a search: who
    // and how many orders, never the address.
    public async Task<CustomerPreview> PreviewAsync(StaffMember staff, string email, CancellationToken ct)
    {
        var keys = AddressKeys(email);
        await using var connection = await db.OpenAsync(ct);
        var orders = (await connection.QueryAsync<OrderData>(new CommandDefinition(OrdersSql, new { Keys = keys }, cancellationToken: ct))).ToList();
        var consents = (await ConsentsAsync(connection, keys, ct)).Count;
        await audit.WriteAsync(connection, null, staff, AuditActions.Search, null, null, $"customer data lookup: {orders.Count} order(s)", ct);
        return new CustomerPreview([.. orders.Select(o => new PreviewOrder(o.OrderNumber, o.CreatedAt, o.Status, o.ProductName))], consents);
    }

    public async Task<CustomerExport?> ExportAsync(StaffMember staff, string email, CancellationToken ct)
    {
        var keys = AddressKeys(email);
        await using var connection = await db.OpenAsync(ct);
        var orders = (await connection.QueryAsync<OrderData>(new CommandDefinition(OrdersSql, new { Keys = keys }, cancellationToken: ct))).ToList();
        var consents = await ConsentsAsync(connection, keys, ct);
        if (orders.Count == 0 && consents.Count == 0)
        {
            return null;
        }

        var ids = orders.Select(o => o.Id).ToList();
        var licenses = await SupportOrders.LicensesAsync(connection, ids, ct);
        var deliveries = await SupportOrders.DeliveriesAsync(connection, ids, ct);
        var notes = await OrderNotes.ForOrdersAsync(connection, ids, ct);
        var events = (await connection.QueryAsync<EventData>(new CommandDefinition(EventsSql, new { OrderIds = ids }, cancellationToken: ct))).ToLookup(e => e.OrderId);
        var auditEntries = (await connection.QueryAsync<AuditEntry>(new CommandDefinition(AuditSql, new { OrderIds = ids }, cancellationToken: ct)))
            .Select(a => new ExportedAuditEntry(a.At, a.Actor, a.Action, a.OrderNumber, a.Detail))
            .ToList();

        var exported = orders.Select(o => new ExportedOrder(
            o.OrderNumber, o.Status, o.Sku, o.ProductName, o.Quantity, o.UnitPriceMinor, o.TotalMinor, o.Currency, o.Email, o.LicenseeName,
            o.Provider, o.ProviderOrderRef, o.ProviderTransactionRef, o.CreatedAt, o.UpdatedAt, o.PaidAt,
            [.. licenses[o.Id]],
            [.. deliveries[o.Id]],
            [.. events[o.Id].Select(e => new ExportedProviderEvent(e.Provider, e.EventType, e.Kind, e.AmountMinor, e.Currency, e.ReceivedAt, e.ProcessedAt, e.Outcome))],
            [.. notes[o.Id]]))
            .ToList();

        // Recorded after reading, so the export does not contain its own audit entries.
        await WriteAuditAsync(connection, null, staff, AuditActions.CustomerExported, orders,
            n => $"export of the customer's data ({n} order(s))", ct);
        LogExported(logger, staff.Id, orders.Count);
        return new CustomerExport(email.Trim(), time.GetUtcNow().UtcDateTime, staff.Username, exported, consents, auditEntries);
    }

    public async Task<ErasureOutcome> EraseAsync(StaffMember staff, string email, CancellationToken ct)
    {
        var keys = AddressKeys(email);
        var now = time.GetUtcNow().UtcDateTime;
        ErasureSummary summary;
        List<long> deliveryIds;
        await using (var connection = await db.OpenAsync(ct))
        {
            var orders = (await connection.QueryAsync<OrderData>(new CommandDefinition(OrdersSql, new { Keys = keys }, cancellationToken: ct))).ToList();
            var consentCount = (await ConsentsAsync(connection, keys, ct)).Count;
            if (orders.Count == 0 && consentCount == 0)
            {
                return new ErasureOutcome.NothingStored();
            }

            var waiting = orders.Where(o => o.Status == OrderStatus.Pending).ToList();
            var ended = orders.Where(o => o.Status != OrderStatus.Pending).ToList();
            using var turn = await db.WriteTurnAsync(WritePriority.Interactive, ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            var erased = await EraseInTransactionAsync(connection, tx, ended, keys, [email.Trim()], now, ct);
            // Not run for an empty list: see consentArgs in EraseInTransactionAsync.
            var marked = waiting.Count == 0 ? 0
                : await connection.ExecuteAsync(new CommandDefinition(RequestErasureSql, new { Now = now, WaitingIds = waiting.Select(o => o.Id).ToList() }, tx, cancellationToken: ct));
            if (erased is null || marked != waiting.Count)
            {
                await tx.RollbackAsync(ct);
                return new ErasureOutcome.Conflict();
            }

            await WriteAuditAsync(connection, tx, staff.Id, staff.Username, AuditActions.CustomerErased, ended,
                _ => "the customer's e-mail address, licensee name and license key text erased; the order stays for bookkeeping", ct);
            await WriteAuditAsync(connection, tx, staff.Id, staff.Username, AuditActions.CustomerErased, waiting,
                _ => "erasure requested while the order waits for its payment: it is erased as soon as it ends", ct, skipWhenEmpty: true);
            await tx.CommitAsync(ct);
            deliveryIds = erased.DeliveryIds;
            summary = new ErasureSummary(erased.Orders, erased.LicenseKeys, erased.Emails, erased.Consents, now, [.. ended.Select(o => o.OrderNumber)],
                waiting.Count, [.. waiting.Select(o => o.OrderNumber)]);
        }

        await CheckpointAsync(ct);
        DeleteMailCopies(deliveryIds);
        LogErased(logger, staff.Id, summary.OrdersErased, summary.OrdersErasedWhenTheyEnd);
        return new ErasureOutcome.Erased(summary);
    }

    // The expiry and retention job's step: erases the orders whose erasure waited for them to end
    // and that have ended. Returns how many were erased.
    public async Task<int> EraseEndedRequestsAsync(int limit, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        Erased? erased;
        await using (var connection = await db.OpenAsync(ct))
        {
            var orders = (await connection.QueryAsync<OrderData>(new CommandDefinition(db.Pick(EndedErasureRequestsSql), new { Limit = limit }, cancellationToken: ct))).ToList();
            if (orders.Count == 0)
            {
                return 0;
            }

            var keys = orders.SelectMany(o => AddressKeys(o.Email)).Distinct(StringComparer.Ordinal).ToList();
            using var turn = await db.WriteTurnAsync(WritePriority.Background, ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            erased = await EraseInTransactionAsync(connection, tx, orders, keys, [], now, ct);
            if (erased is null)
            {
                // One was erased meanwhile (a staff erasure of the same address): the next run
                // takes up the rest.
                await tx.RollbackAsync(ct);
                return 0;
            }

            await WriteAuditAsync(connection, tx, null, ErasureActor, AuditActions.CustomerErased, orders,
                _ => "the customer's e-mail address, licensee name and license key text erased now that the order has ended (erasure requested while it waited for its payment)", ct);
            await tx.CommitAsync(ct);
        }

        await CheckpointAsync(ct);
        DeleteMailCopies(erased.DeliveryIds);
        LogErasedWhenEnded(logger, erased.Orders);
        return erased.Orders;
    }

    public const string ErasureActor = "system (erasure request)";

    private sealed record Erased(int Orders, int LicenseKeys, int Emails, int Consents, List<long> DeliveryIds);

    // Null when an order was no longer erasable (it changed meanwhile): the caller rolls back.
    private async Task<Erased?> EraseInTransactionAsync(DbConnection connection, DbTransaction tx, List<OrderData> orders, IReadOnlyList<string> keys,
        IEnumerable<string> alsoScrub, DateTime now, CancellationToken ct)
    {
        var ids = orders.Select(o => o.Id).ToList();
        var args = new { Tombstone, Now = now, OrderIds = ids, Keys = keys };
        var erasedOrders = ids.Count == 0 ? 0 : await connection.ExecuteAsync(new CommandDefinition(EraseOrdersSql, args, tx, cancellationToken: ct));
        if (erasedOrders != orders.Count)
        {
            return null;
        }

        List<long> deliveryIds = ids.Count == 0 ? [] : [.. await connection.QueryAsync<long>(new CommandDefinition(DeliveryIdsSql, args, tx, cancellationToken: ct))];
        var erasedKeys = ids.Count == 0 ? 0 : await connection.ExecuteAsync(new CommandDefinition(EraseLicenseKeysSql, args, tx, cancellationToken: ct));
        var erasedEmails = ids.Count == 0 ? 0 : await connection.ExecuteAsync(new CommandDefinition(EraseDeliveriesSql, args, tx, cancellationToken: ct));
        if (ids.Count > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(DeleteNotesSql, args, tx, cancellationToken: ct));
        }
        // Dapper writes an empty list as "IN (SELECT NULL WHERE 1 = 0)", a NULL that PostgreSQL reads
        // as text and cannot compare with an id; no order has id 0.
        var consentArgs = ids.Count == 0 ? args with { OrderIds = [0L] } : args;
        var erasedConsents = await connection.ExecuteAsync(new CommandDefinition(db.Pick(EraseConsentsSql), consentArgs, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(EraseRecoveryRequestsSql, args, tx, cancellationToken: ct));
        if (ids.Count > 0)
        {
            await ScrubFreeTextAsync(connection, tx, ids, [.. alsoScrub, .. orders.Select(o => o.Email), .. orders.Select(o => o.LicenseeName)], ct);
        }

        return new Erased(erasedOrders, erasedKeys, erasedEmails, erasedConsents, deliveryIds);
    }

    private static async Task<List<ConsentRecord>> ConsentsAsync(DbConnection connection, IReadOnlyList<string> keys, CancellationToken ct)
    {
        var records = new List<ConsentRecord>();
        foreach (var key in keys)
        {
            records.AddRange(await PrivacyConsents.ForAddressAsync(connection, key, ct));
        }

        return [.. records.DistinctBy(r => r.NoticeId).OrderBy(r => r.NoticeId)];
    }

    private static async Task ScrubFreeTextAsync(DbConnection connection, DbTransaction tx, List<long> orderIds, IEnumerable<string> personal, CancellationToken ct)
    {
        var needles = personal.Where(p => p.Length >= 2 && p != Tombstone).Distinct(StringComparer.OrdinalIgnoreCase).OrderByDescending(p => p.Length).ToList();
        var texts = await connection.QueryAsync<FreeText>(new CommandDefinition(FreeTextSql, new { OrderIds = orderIds }, tx, cancellationToken: ct));
        foreach (var text in texts)
        {
            var scrubbed = needles.Aggregate(text.Text, (t, needle) => t.Replace(needle, Tombstone, StringComparison.OrdinalIgnoreCase));
            if (scrubbed != text.Text)
            {
                await connection.ExecuteAsync(new CommandDefinition(text.Source == "audit" ? ScrubAuditSql : ScrubRevokeReasonSql,
                    new { text.Id, Text = scrubbed }, tx, cancellationToken: ct));
            }
        }
    }

    private Task WriteAuditAsync(DbConnection connection, DbTransaction? tx, StaffMember staff, string action, List<OrderData> orders, Func<int, string> detail, CancellationToken ct) =>
        WriteAuditAsync(connection, tx, staff.Id, staff.Username, action, orders, detail, ct);

    private async Task WriteAuditAsync(DbConnection connection, DbTransaction? tx, long? staffUserId, string actor, string action, List<OrderData> orders,
        Func<int, string> detail, CancellationToken ct, bool skipWhenEmpty = false)
    {
        if (orders.Count == 0)
        {
            if (!skipWhenEmpty)
            {
                await audit.WriteAsync(connection, tx, staffUserId, actor, action, null, null, detail(0), ct);
            }

            return;
        }

        foreach (var order in orders)
        {
            await audit.WriteAsync(connection, tx, staffUserId, actor, action, order.Id, order.OrderNumber, detail(orders.Count), ct);
        }
    }

    // Old page images stay in SQLite's write-ahead log until a checkpoint copies them into the
    // database and truncates the log. A reader holding an old snapshot can keep it from finishing;
    // the next automatic checkpoint then does it.
    private async Task CheckpointAsync(CancellationToken ct)
    {
        if (db.Provider != DatabaseProvider.Sqlite)
        {
            return;
        }

        try
        {
            await using var connection = await db.OpenAsync(ct);
            await using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            await checkpoint.ExecuteNonQueryAsync(ct);
        }
        catch (DbException e)
        {
            LogCheckpointFailed(logger, e.GetType().Name);
        }
    }

    // In the zero-config pickup mode the "sent" e-mails are files in the data directory: copies of
    // the address and the key that must go too. Every pickup file is named after its delivery row
    // ("00000042-license-ORD-….eml", "00000043-privacy-notice.eml"). With SMTP they left this
    // service when sent.
    private void DeleteMailCopies(IEnumerable<long> deliveryIds)
    {
        if (mail.Value.Mode != MailMode.Pickup || !Directory.Exists(pickup.Directory))
        {
            return;
        }

        foreach (var deliveryId in deliveryIds)
        {
            foreach (var file in Directory.EnumerateFiles(pickup.Directory, string.Create(CultureInfo.InvariantCulture, $"{deliveryId:D8}-*.eml")))
            {
                File.Delete(file);
            }
        }
    }

    private sealed class OrderData
    {
        public long Id { get; init; }
        public string OrderNumber { get; init; } = "";
        public string Status { get; init; } = "";
        public string Sku { get; init; } = "";
        public string ProductName { get; init; } = "";
        public int Quantity { get; init; }
        public long UnitPriceMinor { get; init; }
        public long TotalMinor { get; init; }
        public string Currency { get; init; } = "";
        public string Email { get; init; } = "";
        public string LicenseeName { get; init; } = "";
        public string Provider { get; init; } = "";
        public string? ProviderOrderRef { get; init; }
        public string? ProviderTransactionRef { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
        public DateTime? PaidAt { get; init; }
    }

    private sealed class EventData
    {
        public long OrderId { get; init; }
        public string Provider { get; init; } = "";
        public string EventType { get; init; } = "";
        public string Kind { get; init; } = "";
        public long? AmountMinor { get; init; }
        public string? Currency { get; init; }
        public DateTime ReceivedAt { get; init; }
        public DateTime? ProcessedAt { get; init; }
        public string? Outcome { get; init; }
    }

    private sealed class FreeText
    {
        public string Source { get; init; } = "";
        public long Id { get; init; }
        public string Text { get; init; } = "";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Staff user {StaffUserId} exported a customer's data ({Orders} order(s))")]
    private static partial void LogExported(ILogger logger, long staffUserId, int orders);

    [LoggerMessage(Level = LogLevel.Information, Message = "Staff user {StaffUserId} erased a customer's data ({Orders} order(s); {Waiting} waiting for their payment are erased when they end)")]
    private static partial void LogErased(ILogger logger, long staffUserId, int orders, int waiting);

    [LoggerMessage(Level = LogLevel.Information, Message = "Erased the customer data of {Orders} order(s) that ended after their erasure was requested")]
    private static partial void LogErasedWhenEnded(ILogger logger, int orders);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint after an erasure did not finish ({ErrorType}); the next automatic checkpoint completes it")]
    private static partial void LogCheckpointFailed(ILogger logger, string errorType);
}

internal static class CustomerDataFormat
{
    public static string FileName(DateTime at) => string.Create(CultureInfo.InvariantCulture, $"customer-data-{at:yyyyMMdd-HHmmss}.json");
}
