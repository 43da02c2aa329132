using System.Globalization;
using Dapper;
using Orders.Api.Data;
using Orders.Api.Orders;

namespace Orders.Api.Support;

internal sealed record OrderListFilter(string? Status, string? Provider, DateOnly? From, DateOnly? To, int Page);

internal sealed record OrderListItem(
    string OrderNumber, DateTime CreatedAt, string Status, string ProductName, int Quantity, long TotalMinor, string Currency,
    string Email, string LicenseeName, string Provider);

internal sealed record OrderListView(IReadOnlyList<OrderListItem> Orders, int Page, int PageSize, bool HasMore);

// The console's start page: the newest orders, filtered by status, provider and the day they were
// placed (UTC, both ends included), a bounded page at a time. Each filter is an index range
// (ix_orders_status_created, ix_orders_provider_created, ix_orders_created); paging is by offset,
// capped at MaxPage pages, since staff read the first few pages and search for anything older.
internal sealed class RecentOrders(Db db, AuditLog audit)
{
    public const int PageSize = 50;
    public const int MaxPage = 100;

    public static readonly IReadOnlyList<string> Providers = ["paypal", "stripe", "avangate"];

    // Properties, not a positional record (see OrderSearch.Match).
    private sealed class Row
    {
        public string OrderNumber { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public string Status { get; init; } = "";
        public string ProductName { get; init; } = "";
        public int Quantity { get; init; }
        public long TotalMinor { get; init; }
        public string Currency { get; init; } = "";
        public string Email { get; init; } = "";
        public string LicenseeName { get; init; } = "";
        public string Provider { get; init; } = "";
    }

    private static readonly Dialect ListSql = new(
        Sqlite: """
            SELECT order_number AS OrderNumber, created_at AS CreatedAt, status AS Status, product_name AS ProductName, quantity AS Quantity,
                   total_minor AS TotalMinor, currency AS Currency, email AS Email, licensee_name AS LicenseeName, provider AS Provider
            FROM orders
            WHERE (@Status IS NULL OR status = @Status) AND (@Provider IS NULL OR provider = @Provider)
              AND created_at >= @From AND created_at < @To
            ORDER BY created_at DESC, id DESC
            LIMIT @Limit OFFSET @Offset
            """,
        SqlServer: """
            SELECT order_number AS OrderNumber, created_at AS CreatedAt, status AS Status, product_name AS ProductName, quantity AS Quantity,
                   total_minor AS TotalMinor, currency AS Currency, email AS Email, licensee_name AS LicenseeName, provider AS Provider
            FROM orders
            WHERE (@Status IS NULL OR status = @Status) AND (@Provider IS NULL OR provider = @Provider)
              AND created_at >= @From AND created_at < @To
            ORDER BY created_at DESC, id DESC
            OFFSET @Offset ROWS FETCH NEXT @Limit ROWS ONLY
            """,
        // A parameter PostgreSQL first meets in "IS NULL" needs its type named.
        PostgreSql: """
            SELECT order_number AS OrderNumber, created_at AS CreatedAt, status AS Status, product_name AS ProductName, quantity AS Quantity,
                   total_minor AS TotalMinor, currency AS Currency, email AS Email, licensee_name AS LicenseeName, provider AS Provider
            FROM orders
            WHERE (CAST(@Status AS varchar) IS NULL OR status = @Status) AND (CAST(@Provider AS varchar) IS NULL OR provider = @Provider)
              AND created_at >= @From AND created_at < @To
            ORDER BY created_at DESC, id DESC
            LIMIT @Limit OFFSET @Offset
            """);

    // The query string as the API and the page take it; problems are per field, in words staff read.
    public static Dictionary<string, string[]>? Validate(string? status, string? provider, string? from, string? to, int? page, out OrderListFilter filter)
    {
        var errors = new Dictionary<string, string[]>();
        status = Blank(status);
        provider = Blank(provider);
        if (status is not null && !OrderStatus.All.Contains(status))
        {
            errors["status"] = [$"One of: {string.Join(", ", OrderStatus.All)}."];
        }

        if (provider is not null && !Providers.Contains(provider))
        {
            errors["provider"] = [$"One of: {string.Join(", ", Providers)}."];
        }

        var fromDay = Day(from, "from", errors);
        var toDay = Day(to, "to", errors);
        if (fromDay is { } f && toDay is { } t && f > t)
        {
            errors["to"] = ["The last day is before the first."];
        }

        if (page is < 1 or > MaxPage)
        {
            errors["page"] = [$"A page from 1 to {MaxPage}; search for older orders."];
        }

        filter = new OrderListFilter(status, provider, fromDay, toDay, page ?? 1);
        return errors.Count == 0 ? null : errors;
    }

    public async Task<OrderListView> ListAsync(StaffMember staff, OrderListFilter filter, CancellationToken ct)
    {
        List<Row> rows;
        await using (var connection = await db.OpenAsync(ct))
        {
            rows = (await connection.QueryAsync<Row>(new CommandDefinition(db.Pick(ListSql), new
            {
                filter.Status,
                filter.Provider,
                From = filter.From is { } from ? from.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) : DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc),
                To = filter.To is { } to ? to.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) : DateTime.SpecifyKind(new DateTime(9999, 12, 31), DateTimeKind.Utc),
                Limit = PageSize + 1,
                Offset = (filter.Page - 1) * PageSize,
            }, cancellationToken: ct))).AsList();
        }

        var shown = rows.Take(PageSize)
            .Select(r => new OrderListItem(r.OrderNumber, r.CreatedAt, r.Status, r.ProductName, r.Quantity, r.TotalMinor, r.Currency, r.Email, r.LicenseeName, r.Provider))
            .ToList();
        // The list shows addresses: it is a lookup like a search, recorded with its filters (no personal data in them).
        await audit.RecordLookupAsync(staff, AuditActions.ListOrders, null, null, $"{Describe(filter)}: {shown.Count} order(s)", ct);
        return new OrderListView(shown, filter.Page, PageSize, rows.Count > PageSize);
    }

    public static string Describe(OrderListFilter filter)
    {
        var parts = new List<string>();
        if (filter.Status is not null)
        {
            parts.Add($"status {filter.Status}");
        }

        if (filter.Provider is not null)
        {
            parts.Add($"provider {filter.Provider}");
        }

        if (filter.From is { } from)
        {
            parts.Add($"from {from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}");
        }

        if (filter.To is { } to)
        {
            parts.Add($"to {to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}");
        }

        return $"{(parts.Count == 0 ? "all orders" : string.Join(", ", parts))}, page {filter.Page}";
    }

    private static DateOnly? Day(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (Blank(value) is not { } text)
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return day;
        }

        errors[field] = ["A day as yyyy-MM-dd (UTC)."];
        return null;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
