using System.Data.Common;
using Dapper;
using Orders.Api.Data;
using Orders.Api.Mail;
using Orders.Api.Orders;
using Orders.Api.Payments;
using Orders.Api.PaymentEvents;

namespace Orders.Api.Support;

public sealed record SupportLicenseView(int LineNo, string LicenseId, string Key, string KeyId, int Seats, string Status, DateTime IssuedAt, DateTime? RevokedAt, string? RevokeReason);

public sealed record SupportDeliveryView(long Id, string Kind, string ToAddress, string Status, int Attempts, string? LastError, DateTime CreatedAt, DateTime NextAttemptAt, DateTime? SentAt);

// One line of the order's history. Source: order, provider, license, mail or staff.
public sealed record TimelineEntry(DateTime At, string Source, string Title, string? Detail, string? Actor);

// What the signed-in user may do with this order right now, and why not when not.
public sealed record SupportActionsView(bool CanResend, string? ResendUnavailable, bool CanRevoke, string? RevokeUnavailable, bool CanRefund, string? RefundUnavailable);

public sealed record SupportOrderView(
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
    DateTime? ErasedAt,
    long RefundedMinor,
    IReadOnlyList<SupportLicenseView> Licenses,
    IReadOnlyList<SupportDeliveryView> Deliveries,
    IReadOnlyList<TimelineEntry> Timeline,
    SupportActionsView Actions,
    IReadOnlyList<ConsentRecord> PrivacyNotices,
    IReadOnlyList<OrderNoteView> Notes);

// Everything support needs to answer a customer about one order, in one read: the order, its
// licenses, its e-mails, and a timeline of every provider event and staff action.
internal sealed class SupportOrders(Db db, AuditLog audit)
{
    public const int MaxOrderNumberLength = 64;

    private const string OrderSql = $"SELECT {OrderRow.Columns} FROM orders WHERE order_number = @OrderNumber";

    private const string LicensesSql = """
        SELECT order_id, line_no, license_id, license_key, key_id, seats, status, issued_at, revoked_at, revoke_reason
        FROM licenses WHERE order_id IN @OrderIds ORDER BY order_id, line_no
        """;

    private const string DeliveriesSql = """
        SELECT order_id, id, kind, to_address, status, attempts, last_error, created_at, next_attempt_at, sent_at
        FROM deliveries WHERE order_id IN @OrderIds ORDER BY id
        """;

    // Processed events carry the order id; one still waiting (or failing) in the inbox is found by
    // the order number the provider sent, among the unprocessed events (ix_inbox_unprocessed; there
    // is no index by order number, see sql/*/0007: the unprocessed events are few except while a
    // backlog drains).
    private const string EventsSql = $"""
        SELECT {InboxRow.Columns} FROM webhook_inbox WHERE order_id = @OrderId
        UNION ALL
        SELECT {InboxRow.Columns} FROM webhook_inbox WHERE processed_at IS NULL AND order_number = @OrderNumber AND order_id IS NULL
        """;

    private sealed class LicenseRow
    {
        public long OrderId { get; init; }
        public int LineNo { get; init; }
        public string LicenseId { get; init; } = "";
        public string LicenseKey { get; init; } = "";
        public string KeyId { get; init; } = "";
        public int Seats { get; init; }
        public string Status { get; init; } = "";
        public DateTime IssuedAt { get; init; }
        public DateTime? RevokedAt { get; init; }
        public string? RevokeReason { get; init; }
    }

    private sealed class DeliveryRow
    {
        public long OrderId { get; init; }
        public long Id { get; init; }
        public string Kind { get; init; } = "";
        public string ToAddress { get; init; } = "";
        public string Status { get; init; } = "";
        public int Attempts { get; init; }
        public string? LastError { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime NextAttemptAt { get; init; }
        public DateTime? SentAt { get; init; }
    }

    // The licenses and e-mails of one order (the console) or of all of one customer's (the export),
    // by order id.
    public static async Task<ILookup<long, SupportLicenseView>> LicensesAsync(DbConnection connection, IReadOnlyCollection<long> orderIds, CancellationToken ct) =>
        (await connection.QueryAsync<LicenseRow>(new CommandDefinition(LicensesSql, new { OrderIds = orderIds }, cancellationToken: ct)))
            .ToLookup(l => l.OrderId, l => new SupportLicenseView(l.LineNo, l.LicenseId, l.LicenseKey, l.KeyId, l.Seats, l.Status, l.IssuedAt, l.RevokedAt, l.RevokeReason));

    public static async Task<ILookup<long, SupportDeliveryView>> DeliveriesAsync(DbConnection connection, IReadOnlyCollection<long> orderIds, CancellationToken ct) =>
        (await connection.QueryAsync<DeliveryRow>(new CommandDefinition(DeliveriesSql, new { OrderIds = orderIds }, cancellationToken: ct)))
            .ToLookup(d => d.OrderId, d => new SupportDeliveryView(d.Id, d.Kind, d.ToAddress, d.Status, d.Attempts, d.LastError, d.CreatedAt, d.NextAttemptAt, d.SentAt));

    // Refunds the provider confirmed, each counted once (a refund's webhook and the console's own
    // record of it carry the same refund id).
    private const string RefundedSoFarSql = """
        SELECT COALESCE(SUM(amount), 0) FROM (
            SELECT MAX(amount_minor) AS amount
            FROM webhook_inbox
            WHERE order_id = @OrderId AND kind = 'Refunded' AND processed_at IS NOT NULL
            GROUP BY COALESCE(provider_refund_ref, provider_event_id)
        ) AS refunds
        """;

    public static Task<long> RefundedSoFarAsync(DbConnection connection, DbTransaction? tx, long orderId, CancellationToken ct) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(RefundedSoFarSql, new { OrderId = orderId }, tx, cancellationToken: ct));

    public static bool IsPlausibleOrderNumber(string orderNumber) => orderNumber.Length is > 0 and <= MaxOrderNumberLength;

    public static Task<OrderRow?> FindAsync(DbConnection connection, DbTransaction? tx, string orderNumber, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<OrderRow>(new CommandDefinition(OrderSql, new { OrderNumber = orderNumber }, tx, cancellationToken: ct));

    // Loads the order for a staff user and records that they looked at it.
    public async Task<SupportOrderView?> ViewAsync(StaffMember staff, string orderNumber, CancellationToken ct)
    {
        if (!IsPlausibleOrderNumber(orderNumber))
        {
            return null;
        }

        SupportOrderView view;
        await using (var connection = await db.OpenAsync(ct))
        {
            var order = await FindAsync(connection, null, orderNumber, ct);
            if (order is null)
            {
                return null;
            }

            var licenses = (await LicensesAsync(connection, [order.Id], ct))[order.Id].ToList();
            var deliveries = (await DeliveriesAsync(connection, [order.Id], ct))[order.Id].ToList();
            var events = (await connection.QueryAsync<InboxRow>(new CommandDefinition(EventsSql, new { OrderId = order.Id, order.OrderNumber }, cancellationToken: ct))).ToList();
            var staffActions = await AuditLog.ForOrderAsync(connection, order.Id, ct);
            var consents = await PrivacyConsents.ForOrderAsync(connection, order.Id, ct);
            var notes = (await OrderNotes.ForOrdersAsync(connection, [order.Id], ct))[order.Id].ToList();

            view = new SupportOrderView(order.OrderNumber, order.Status, order.Sku, order.ProductName, order.Quantity, order.UnitPriceMinor,
                order.TotalMinor, order.Currency, order.Email, order.LicenseeName, order.Provider, order.ProviderOrderRef, order.ProviderTransactionRef,
                order.CreatedAt, order.UpdatedAt, order.PaidAt, order.ErasedAt, await RefundedSoFarAsync(connection, null, order.Id, ct), licenses, deliveries,
                Timeline(order, licenses, deliveries, events, staffActions), ActionsFor(staff, order.Status, order.Provider, order.ErasedAt is not null, licenses), consents, notes);
            await audit.RecordLookupAsync(staff, AuditActions.ViewOrder, order.Id, order.OrderNumber, null, ct);
        }

        return view;
    }

    public static SupportActionsView ActionsFor(StaffMember staff, string status, string provider, bool erased, IReadOnlyList<SupportLicenseView> licenses)
    {
        var hasActiveLicense = licenses.Any(l => l.Status == "active");
        var noLicense = licenses.Count == 0 ? "The order has no license yet." : "The order has no active license.";
        var resendProblem = erased ? ErasedResendProblem : hasActiveLicense ? null : noLicense;
        var adminOnly = "Only admins can do this.";
        var refundProblem = RefundProblem(status, provider);
        return new SupportActionsView(
            CanResend: resendProblem is null,
            ResendUnavailable: resendProblem,
            CanRevoke: staff.IsAdmin && hasActiveLicense,
            RevokeUnavailable: !staff.IsAdmin ? adminOnly : hasActiveLicense ? null : noLicense,
            CanRefund: staff.IsAdmin && refundProblem is null,
            RefundUnavailable: !staff.IsAdmin ? adminOnly : refundProblem);
    }

    public const string ErasedResendProblem = "The customer's personal data on this order was erased: there is no address to send to, and no key text to send.";

    // The reseller is merchant of record: it takes the money and gives it back, in its own control
    // panel, and tells the service with its notification (which revokes the license then).
    public static string ResellerRefundNote =>
        $"{ProviderLabels.Name("avangate")} is the merchant of record for this order: refund it in {ProviderLabels.Name("avangate")}'s control panel. "
        + "The service learns of the refund from the reseller's notification and updates the order and its license then.";

    // Only money that arrived can go back, and only through a provider that lets the vendor refund.
    public static string? RefundProblem(string status, string provider) => provider == "avangate" ? ResellerRefundNote : RefundProblem(status);

    public static string? RefundProblem(string status) => status switch
    {
        OrderStatus.Paid or OrderStatus.Review => null,
        OrderStatus.Refunded => "The order is already refunded.",
        OrderStatus.Reversed => "The payment was reversed by the provider; there is nothing left to refund.",
        _ => $"Nothing was paid for this order (it is {status}).",
    };

    private static List<TimelineEntry> Timeline(OrderRow order, List<SupportLicenseView> licenses, List<SupportDeliveryView> deliveries,
        List<InboxRow> events, IReadOnlyList<AuditEntry> staffActions)
    {
        var provider = ProviderLabels.Name(order.Provider);
        var entries = new List<(TimelineEntry Entry, int Order)>
        {
            (new TimelineEntry(order.CreatedAt, "order", "Order placed",
                $"{order.ProductName} × {order.Quantity}, {Money.Format(order.TotalMinor, order.Currency)}, paying with {provider}", null), 0),
        };

        foreach (var e in events)
        {
            var facts = new List<string> { e.Kind };
            if (e.AmountMinor is { } amount && e.Currency is { } currency)
            {
                facts.Add(Money.Format(amount, currency));
            }

            if (e.ProviderRefundRef is not null)
            {
                facts.Add($"refund {e.ProviderRefundRef}");
            }
            else if (e.ProviderTransactionRef is not null)
            {
                facts.Add($"{ProviderLabels.TransactionReference(e.Provider)} {e.ProviderTransactionRef}");
            }

            var result = e.ProcessedAt is null
                ? $"not processed yet ({e.Attempts} attempt(s){(e.LastError is null ? "" : "; last error: " + e.LastError)})"
                : e.Outcome;
            entries.Add((new TimelineEntry(e.ReceivedAt, "provider", $"{ProviderLabels.Name(e.Provider)}: {e.EventType}",
                $"{string.Join(" · ", facts)} → {result}", null), 1));
        }

        foreach (var l in licenses)
        {
            entries.Add((new TimelineEntry(l.IssuedAt, "license", $"License issued (line {l.LineNo})", $"{l.Seats} seat(s), license id {l.LicenseId}, signing key {l.KeyId}", null), 3));
            if (l.RevokedAt is { } revokedAt)
            {
                entries.Add((new TimelineEntry(revokedAt, "license", $"License revoked (line {l.LineNo})", l.RevokeReason, null), 3));
            }
        }

        foreach (var d in deliveries)
        {
            var what = d.Kind switch
            {
                DeliveryKinds.Resend => "Resent license e-mail",
                DeliveryKinds.PrivacyNotice => "Privacy notice e-mail",
                DeliveryKinds.Refund => "Refund e-mail",
                DeliveryKinds.Reversal => "Reversal e-mail",
                DeliveryKinds.Revocation => "Revocation e-mail",
                DeliveryKinds.KeyRecovery => "Key recovery e-mail (all the address's active keys)",
                _ => "License e-mail",
            };
            var now = d.Status switch
            {
                "sent" => null,
                "pending" when d.Attempts > 0 => $"retrying (attempt {d.Attempts} failed: {d.LastError})",
                "pending" or "sending" => "waiting to be sent",
                _ => $"{d.Status}{(d.LastError is null ? "" : ": " + d.LastError)}",
            };
            entries.Add((new TimelineEntry(d.CreatedAt, "mail", $"{what} #{d.Id} queued", now, null), 4));
            if (d.SentAt is { } sentAt)
            {
                entries.Add((new TimelineEntry(sentAt, "mail", $"{what} #{d.Id} sent", null, null), 4));
            }
        }

        foreach (var a in staffActions)
        {
            entries.Add((new TimelineEntry(a.At, "staff", StaffActionTitle(a.Action), a.Detail, a.Actor), 2));
        }

        return [.. entries.OrderBy(e => e.Entry.At).ThenBy(e => e.Order).Select(e => e.Entry)];
    }

    private static string StaffActionTitle(string action) => action switch
    {
        AuditActions.Resend => "Staff resent the license e-mail",
        AuditActions.Revoke => "Staff revoked the license",
        AuditActions.Refund => "Staff refunded the order",
        AuditActions.RefundRefused => "Refund refused by the provider",
        AuditActions.RefundFailed => "Refund failed (provider unavailable)",
        AuditActions.EmailChanged => "Staff changed the e-mail address",
        AuditActions.LicenseeCorrected => "Staff corrected the licensee name",
        AuditActions.NoteAdded => "Staff added a note",
        AuditActions.CustomerExported => "Staff exported the customer's data",
        AuditActions.CustomerErased => "Staff erased the customer's personal data",
        _ => action,
    };
}
