using System.Data.Common;
using System.Security.Claims;
using Dapper;
using Orders.Api.Data;

namespace Orders.Api.Support;

// The signed-in staff user, as their session (StaffSessions) names them.
internal sealed record StaffMember(long Id, string Username, string Role)
{
    public bool IsAdmin => Role == StaffRoles.Admin;

    public static StaffMember From(ClaimsPrincipal principal) =>
        TryFrom(principal) ?? throw new InvalidOperationException("The request has no signed-in staff user; the endpoint must require authorization.");

    public static StaffMember? TryFrom(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true
            || !long.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), System.Globalization.CultureInfo.InvariantCulture, out var id))
        {
            return null;
        }

        return new StaffMember(id, principal.Identity.Name ?? "", principal.FindFirstValue(ClaimTypes.Role) ?? "");
    }
}

internal static class AuditActions
{
    public const string Search = "search";
    public const string ViewOrder = "view-order";
    public const string Resend = "resend";
    public const string Revoke = "revoke";
    public const string Refund = "refund";
    public const string RefundRefused = "refund-refused";
    public const string RefundFailed = "refund-failed";
    public const string SignedIn = "signed-in";
    public const string SignInFailed = "sign-in-failed";
    // Written before sign-ins were throttled instead of locking accounts; kept so old entries can be filtered.
    public const string LockedOut = "locked-out";
    public const string SignedOut = "signed-out";
    public const string StaffAdded = "staff-added";
    public const string StaffDisabled = "staff-disabled";
    public const string StaffEnabled = "staff-enabled";
    public const string PasswordReset = "password-reset";
    public const string CustomerExported = "customer-exported";
    public const string CustomerErased = "customer-erased";
    public const string PrivacyNoticeCreated = "privacy-notice-created";
    public const string PrivacyNoticeSent = "privacy-notice-sent";
    public const string ListOrders = "list-orders";
    public const string EmailChanged = "email-changed";
    public const string LicenseeCorrected = "licensee-corrected";
    public const string NoteAdded = "note-added";

    public static IReadOnlyList<string> All { get; } =
    [
        Search, ListOrders, ViewOrder, Resend, Revoke, Refund, RefundRefused, RefundFailed, EmailChanged, LicenseeCorrected, NoteAdded,
        SignedIn, SignInFailed, LockedOut, SignedOut, StaffAdded, StaffDisabled, StaffEnabled, PasswordReset,
        CustomerExported, CustomerErased,
        PrivacyNoticeCreated, PrivacyNoticeSent,
    ];

    // What changes an order (shown in its timeline); looking at it is in the audit log only.
    public static IReadOnlyList<string> OrderChanges { get; } =
        [Resend, Revoke, Refund, RefundRefused, RefundFailed, EmailChanged, LicenseeCorrected, NoteAdded, CustomerExported, CustomerErased];
}

internal sealed class AuditEntry
{
    public long Id { get; init; }
    public DateTime At { get; init; }
    public string Actor { get; init; } = "";
    public string Action { get; init; } = "";
    public string? OrderNumber { get; init; }
    public string? Detail { get; init; }
}

internal sealed record AuditQuery(string? OrderNumber, string? Actor, string? Action, long? Before, int Limit);

// Who looked at or changed which order, and when (ARCHITECTURE: support_users, audit_log). An
// entry about a change is written in the same transaction as the change. Entries never carry
// personal data: no e-mail addresses, no license keys, no search terms.
internal sealed class AuditLog(Db db, TimeProvider time, LookupAuditWriter lookups)
{
    public const string CommandLineActor = "command line";

    public const int MaxDetailLength = 400;
    public const int MaxPageSize = 200;

    private const string InsertSql = """
        INSERT INTO audit_log (at, staff_user_id, actor, action, order_id, order_number, detail)
        VALUES (@At, @StaffUserId, @Actor, @Action, @OrderId, @OrderNumber, @Detail)
        """;

    private const string Columns = "id AS Id, at AS At, actor AS Actor, action AS Action, order_number AS OrderNumber, detail AS Detail";

    // The first filter given picks the index (order, then actor, then action); the others narrow
    // the rows that index finds. Pages go backwards by id (keyset paging: no OFFSET scans).
    private static readonly Dialect ByOrderSql = Page("order_id = @OrderId");
    private static readonly Dialect ByActorSql = Page("actor = @Actor");
    private static readonly Dialect ByActionSql = Page("action = @Action");
    private static readonly Dialect AllSql = Page("1 = 1");

    private const string OrderIdSql = "SELECT id FROM orders WHERE order_number = @OrderNumber";

    private const string ForOrderSql = $"""
        SELECT {Columns} FROM audit_log WHERE order_id = @OrderId AND action IN @Actions ORDER BY id
        """;

    public Task WriteAsync(StaffMember staff, string action, long? orderId, string? orderNumber, string? detail, CancellationToken ct) =>
        WriteAsync(staff.Id, staff.Username, action, orderId, orderNumber, detail, ct);

    public async Task WriteAsync(long? staffUserId, string actor, string action, long? orderId, string? orderNumber, string? detail, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await WriteAsync(connection, null, staffUserId, actor, action, orderId, orderNumber, detail, ct);
    }

    public Task WriteAsync(DbConnection connection, DbTransaction? tx, StaffMember staff, string action, long? orderId, string? orderNumber, string? detail, CancellationToken ct) =>
        WriteAsync(connection, tx, staff.Id, staff.Username, action, orderId, orderNumber, detail, ct);

    public Task WriteAsync(DbConnection connection, DbTransaction? tx, long? staffUserId, string actor, string action, long? orderId, string? orderNumber, string? detail, CancellationToken ct) =>
        InsertAsync(connection, tx, NewEntry(staffUserId, actor, action, orderId, orderNumber, detail), ct);

    // A lookup (search, opening an order) changes nothing: its entry is group-committed by
    // LookupAuditWriter after the answer (see there for what a crash can lose).
    public Task RecordLookupAsync(StaffMember staff, string action, long? orderId, string? orderNumber, string? detail, CancellationToken ct) =>
        lookups.RecordAsync(NewEntry(staff.Id, staff.Username, action, orderId, orderNumber, detail), ct);

    internal Entry NewEntry(long? staffUserId, string actor, string action, long? orderId, string? orderNumber, string? detail)
    {
        if (detail is { Length: > MaxDetailLength })
        {
            detail = detail[..(MaxDetailLength - 1)] + "…";
        }

        CardNumberGuard.EnsureNoCardNumbers(detail);
        return new Entry(time.GetUtcNow().UtcDateTime, staffUserId, actor, action, orderId, orderNumber, detail);
    }

    internal static async Task InsertAsync(DbConnection connection, DbTransaction? tx, Entry entry, CancellationToken ct) =>
        await connection.ExecuteAsync(new CommandDefinition(InsertSql, entry, tx, cancellationToken: ct));

    internal sealed record Entry(DateTime At, long? StaffUserId, string Actor, string Action, long? OrderId, string? OrderNumber, string? Detail);

    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditQuery query, CancellationToken ct)
    {
        await lookups.FlushAsync(ct);
        await using var connection = await db.OpenAsync(ct);
        long? orderId = null;
        if (query.OrderNumber is not null)
        {
            orderId = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(OrderIdSql, new { query.OrderNumber }, cancellationToken: ct));
            if (orderId is null)
            {
                return [];
            }
        }

        var statement = orderId is not null ? ByOrderSql : query.Actor is not null ? ByActorSql : query.Action is not null ? ByActionSql : AllSql;
        var args = new
        {
            OrderId = orderId,
            query.Actor,
            query.Action,
            Before = query.Before ?? long.MaxValue,
            Limit = Math.Clamp(query.Limit, 1, MaxPageSize),
        };
        return [.. await connection.QueryAsync<AuditEntry>(new CommandDefinition(db.Pick(statement), args, cancellationToken: ct))];
    }

    public static async Task<IReadOnlyList<AuditEntry>> ForOrderAsync(DbConnection connection, long orderId, CancellationToken ct) =>
        [.. await connection.QueryAsync<AuditEntry>(new CommandDefinition(ForOrderSql, new { OrderId = orderId, Actions = AuditActions.OrderChanges }, cancellationToken: ct))];

    private static Dialect Page(string filter) => new(
        Sqlite: $"""
            SELECT {Columns} FROM audit_log
            WHERE {filter} AND id < @Before
              AND (@Actor IS NULL OR actor = @Actor) AND (@Action IS NULL OR action = @Action)
            ORDER BY id DESC LIMIT @Limit
            """,
        SqlServer: $"""
            SELECT TOP (@Limit) {Columns} FROM audit_log
            WHERE {filter} AND id < @Before
              AND (@Actor IS NULL OR actor = @Actor) AND (@Action IS NULL OR action = @Action)
            ORDER BY id DESC
            """,
        // A parameter PostgreSQL first meets in "IS NULL" needs its type named.
        PostgreSql: $"""
            SELECT {Columns} FROM audit_log
            WHERE {filter} AND id < @Before
              AND (CAST(@Actor AS varchar) IS NULL OR actor = @Actor) AND (CAST(@Action AS varchar) IS NULL OR action = @Action)
            ORDER BY id DESC LIMIT @Limit
            """);
}
