using System.Data.Common;
using Dapper;
using Orders.Api.Data;
using Orders.Api.Licensing;
using Orders.Licensing;

namespace Orders.Api.Support;

internal sealed record OrderHit(
    string OrderNumber,
    DateTime CreatedAt,
    string Status,
    string ProductName,
    int Quantity,
    long TotalMinor,
    string Currency,
    string Email,
    string LicenseeName,
    string Provider,
    string? ProviderOrderRef,
    string? ProviderTransactionRef,
    string MatchedBy,
    bool Exact);

internal sealed record OrderSearchResult(IReadOnlyList<OrderHit> Orders, bool Truncated, string? Hint);

// One search box for whatever the customer gives support: their e-mail address or the licensee
// name (any case, or how either starts), the order number, the license key, or a provider's reference (PayPal order or capture id, a refund
// id, the reseller's REFNO, a Stripe session or payment intent). Exact matches come first, then
// orders whose number or e-mail starts with what was typed. Every query is an index seek with a
// bound, so it stays fast with a million orders; the search term itself is never logged or audited.
internal sealed partial class OrderSearch(Db db, LicenseKeys licenseKeys, AuditLog audit, ILogger<OrderSearch> logger)
{
    public const int MaxResults = 50;
    public const int MaxQueryLength = 4096;
    public const int MinPrefixLength = 3;

    // MaxResults + 1 as SQLite text (see ByReferenceSql); SupportLookupTests checks that the two agree.
    public const string SqliteLimit = "51";

    private const string HitColumns = """
        o.id AS Id, o.order_number AS OrderNumber, o.created_at AS CreatedAt, o.status AS Status, o.product_name AS ProductName,
        o.quantity AS Quantity, o.total_minor AS TotalMinor, o.currency AS Currency, o.email AS Email, o.licensee_name AS LicenseeName,
        o.provider AS Provider, o.provider_order_ref AS ProviderOrderRef, o.provider_transaction_ref AS ProviderTransactionRef
        """;

    private const string ByLicenseIdSql = $"""
        SELECT {HitColumns}, 'license-key' AS MatchedBy, l.license_key AS LicenseKey FROM licenses l JOIN orders o ON o.id = l.order_id
        WHERE l.license_id = @LicenseId
        """;

    // The other shapes find the matching order ids first, every lookup in one statement, and then
    // load those orders in one more (one statement joining the orders in was slower to run: SQLite
    // materialises the union first, docs/bench-history-2026-11.md round 7). The search term is two scalar parameters, not a list:
    // Dapper expands a list parameter by rewriting the SQL text with a regular expression on every
    // call. Prefixes are ranges (>= prefix, < the next prefix): an index seek in both databases, and
    // no LIKE wildcards to escape. An empty range (From = To) switches a prefix lookup off.
    // SQLite's limit is a literal (SqliteLimit), not a parameter: SQLite 3.49 plans a LIMIT by its
    // bound value, so it compiles a statement with `LIMIT @Limit` again every time the value is
    // bound, even the same value, and the statement cache kept none of that work. That recompiling
    // was a fifth of a search's CPU (perf, docs/bench-history-2026-11.md round 8). SQL Server's plan cache has no
    // such problem with TOP (@Limit), nor PostgreSQL with LIMIT @Limit (its subqueries need a name).
    private static readonly Dialect ByReferenceSql = new(
        Sqlite: $"""
            SELECT id AS Id, 'order-number' AS MatchedBy FROM orders WHERE order_number IN (@Term, @TermUpper)
            UNION ALL SELECT id, 'order-ref' FROM orders WHERE provider_order_ref IN (@Term, @TermUpper)
            UNION ALL SELECT id, 'transaction-ref' FROM orders WHERE provider_transaction_ref IN (@Term, @TermUpper)
            UNION ALL SELECT order_id, 'refund-ref' FROM webhook_inbox WHERE provider_refund_ref IN (@Term, @TermUpper) AND order_id IS NOT NULL
            UNION ALL SELECT * FROM (SELECT id, 'order-number-prefix' FROM orders
                                     WHERE order_number >= @From AND order_number < @To ORDER BY order_number LIMIT {SqliteLimit})
            UNION ALL SELECT * FROM (SELECT id, 'email-prefix' FROM orders
                                     WHERE email_lower >= @EmailFrom AND email_lower < @EmailTo ORDER BY email_lower, created_at DESC LIMIT {SqliteLimit})
            UNION ALL SELECT * FROM (SELECT id, 'licensee-name' FROM orders WHERE licensee_name_lower = @Name ORDER BY created_at DESC LIMIT {SqliteLimit})
            UNION ALL SELECT * FROM (SELECT id, 'licensee-name-prefix' FROM orders
                                     WHERE licensee_name_lower >= @NameFrom AND licensee_name_lower < @NameTo ORDER BY licensee_name_lower, created_at DESC LIMIT {SqliteLimit})
            """,
        SqlServer: """
            SELECT id AS Id, 'order-number' AS MatchedBy FROM orders WHERE order_number IN (@Term, @TermUpper)
            UNION ALL SELECT id, 'order-ref' FROM orders WHERE provider_order_ref IN (@Term, @TermUpper)
            UNION ALL SELECT id, 'transaction-ref' FROM orders WHERE provider_transaction_ref IN (@Term, @TermUpper)
            UNION ALL SELECT order_id, 'refund-ref' FROM webhook_inbox WHERE provider_refund_ref IN (@Term, @TermUpper) AND order_id IS NOT NULL
            UNION ALL SELECT Id, MatchedBy FROM (SELECT TOP (@Limit) id AS Id, 'order-number-prefix' AS MatchedBy FROM orders
                                                 WHERE order_number >= @From AND order_number < @To ORDER BY order_number) AS by_number
            UNION ALL SELECT Id, MatchedBy FROM (SELECT TOP (@Limit) id AS Id, 'email-prefix' AS MatchedBy FROM orders
                                                 WHERE email_lower >= @EmailFrom AND email_lower < @EmailTo ORDER BY email_lower, created_at DESC) AS by_email
            UNION ALL SELECT Id, MatchedBy FROM (SELECT TOP (@Limit) id AS Id, 'licensee-name' AS MatchedBy FROM orders
                                                 WHERE licensee_name_lower = @Name ORDER BY created_at DESC) AS by_name
            UNION ALL SELECT Id, MatchedBy FROM (SELECT TOP (@Limit) id AS Id, 'licensee-name-prefix' AS MatchedBy FROM orders
                                                 WHERE licensee_name_lower >= @NameFrom AND licensee_name_lower < @NameTo
                                                 ORDER BY licensee_name_lower, created_at DESC) AS by_name_prefix
            """,
        PostgreSql: """
            SELECT id AS Id, 'order-number' AS MatchedBy FROM orders WHERE order_number IN (@Term, @TermUpper)
            UNION ALL SELECT id, 'order-ref' FROM orders WHERE provider_order_ref IN (@Term, @TermUpper)
            UNION ALL SELECT id, 'transaction-ref' FROM orders WHERE provider_transaction_ref IN (@Term, @TermUpper)
            UNION ALL SELECT order_id, 'refund-ref' FROM webhook_inbox WHERE provider_refund_ref IN (@Term, @TermUpper) AND order_id IS NOT NULL
            UNION ALL SELECT * FROM (SELECT id, 'order-number-prefix' FROM orders
                                     WHERE order_number >= @From AND order_number < @To ORDER BY order_number LIMIT @Limit) AS by_number
            UNION ALL SELECT * FROM (SELECT id, 'email-prefix' FROM orders
                                     WHERE email_lower >= @EmailFrom AND email_lower < @EmailTo ORDER BY email_lower, created_at DESC LIMIT @Limit) AS by_email
            UNION ALL SELECT * FROM (SELECT id, 'licensee-name' FROM orders WHERE licensee_name_lower = @Name ORDER BY created_at DESC LIMIT @Limit) AS by_name
            UNION ALL SELECT * FROM (SELECT id, 'licensee-name-prefix' FROM orders
                                     WHERE licensee_name_lower >= @NameFrom AND licensee_name_lower < @NameTo ORDER BY licensee_name_lower, created_at DESC LIMIT @Limit) AS by_name_prefix
            """);

    private static readonly Dialect ByEmailSql = new(
        Sqlite: $"""
            SELECT * FROM (SELECT id AS Id, 'email' AS MatchedBy FROM orders WHERE email_lower = @Email ORDER BY created_at DESC LIMIT {SqliteLimit})
            UNION ALL SELECT * FROM (SELECT id, 'email-prefix' FROM orders
                                     WHERE email_lower >= @EmailFrom AND email_lower < @EmailTo ORDER BY email_lower, created_at DESC LIMIT {SqliteLimit})
            """,
        SqlServer: """
            SELECT Id, MatchedBy FROM (SELECT TOP (@Limit) id AS Id, 'email' AS MatchedBy FROM orders WHERE email_lower = @Email ORDER BY created_at DESC) AS exact
            UNION ALL SELECT Id, MatchedBy FROM (SELECT TOP (@Limit) id AS Id, 'email-prefix' AS MatchedBy FROM orders
                                                 WHERE email_lower >= @EmailFrom AND email_lower < @EmailTo ORDER BY email_lower, created_at DESC) AS by_prefix
            """,
        PostgreSql: """
            SELECT * FROM (SELECT id AS Id, 'email' AS MatchedBy FROM orders WHERE email_lower = @Email ORDER BY created_at DESC LIMIT @Limit) AS exact
            UNION ALL SELECT * FROM (SELECT id, 'email-prefix' FROM orders
                                     WHERE email_lower >= @EmailFrom AND email_lower < @EmailTo ORDER BY email_lower, created_at DESC LIMIT @Limit) AS by_prefix
            """);

    private const string OrdersByIdSql = $"SELECT {HitColumns}, '' AS MatchedBy FROM orders o WHERE o.id IN @Ids";

    // Most searches find one order: no list to expand for it.
    private const string OrderByIdSql = $"SELECT {HitColumns}, '' AS MatchedBy FROM orders o WHERE o.id = @Id";

    // Properties, not a positional record: Dapper maps a record through its constructor, which must
    // match the columns' types exactly, and SQLite reports no usable types for an empty result.
    private sealed class Match
    {
        public long Id { get; init; }
        public string MatchedBy { get; init; } = "";
    }

    private sealed record HitRow
    {
        public long Id { get; init; }
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
        public string? ProviderOrderRef { get; init; }
        public string? ProviderTransactionRef { get; init; }
        public string MatchedBy { get; init; } = "";

        // Only the license-key lookup reads it.
        public string? LicenseKey { get; init; }
    }

    public async Task<OrderSearchResult> SearchAsync(StaffMember staff, string query, CancellationToken ct)
    {
        var term = query.Trim();
        var shape = ShapeOf(term);
        var hits = new List<HitRow>();
        var truncated = false;
        string? hint = null;

        await using (var connection = await db.OpenAsync(ct))
        {
            switch (shape)
            {
                case "license key":
                    // A key this service issued is found as it was stored, and being the stored key
                    // makes it genuine: no signature check (an ECDSA verification, ≈ 80 µs, the largest
                    // part of such a search). Any other key is verified, to find it or to say why not.
                    if (LicenseKeyLookup.TryReadLicenseId(term, out var licenseId))
                    {
                        hits.AddRange((await QueryAsync(connection, ByLicenseIdSql, new { LicenseId = licenseId }, ct))
                            .Where(issued => LicenseKeyLookup.AreSameKey(term, issued.LicenseKey)));
                        if (hits.Count > 0)
                        {
                            break;
                        }
                    }

                    var verification = licenseKeys.KeyRing.Verify(term);
                    if (verification.IsValid)
                    {
                        hits.AddRange(await QueryAsync(connection, ByLicenseIdSql, new { verification.License!.LicenseId }, ct));
                        if (hits.Count == 0)
                        {
                            hint = $"This is a genuine license key for order {verification.License.OrderNumber}, but that order is not in this database.";
                        }
                    }
                    else
                    {
                        hint = $"That looks like a license key, but it cannot be read: {verification.Message}";
                    }

                    break;

                case "e-mail address":
                    var email = LowerLikeTheDatabase(term);
                    hits.AddRange(await FindAsync(connection, db.Pick(ByEmailSql),
                        new { Email = email, EmailFrom = email, EmailTo = NextPrefix(email), Limit = MaxResults + 1 }, ct));
                    break;

                case "order number or reference":
                case "text":
                    var prefixes = term.Length >= MinPrefixLength;
                    var number = term.ToUpperInvariant();
                    var lower = LowerLikeTheDatabase(term);
                    hits.AddRange(await FindAsync(connection, db.Pick(ByReferenceSql), new
                    {
                        Term = term,
                        TermUpper = number,
                        From = number,
                        To = prefixes ? NextPrefix(number) : number,
                        EmailFrom = lower,
                        EmailTo = prefixes ? NextPrefix(lower) : lower,
                        Name = lower,
                        NameFrom = lower,
                        NameTo = prefixes ? NextPrefix(lower) : lower,
                        Limit = MaxResults + 1,
                    }, ct));
                    break;
            }
        }

        // A lookup that returned more than it shows (it asks for one more) means there are more.
        truncated |= hits.CountBy(h => h.MatchedBy).Any(c => c.Value > MaxResults);

        // Exact matches first, each order once (under its best match), then the prefix matches.
        var orders = hits
            .GroupBy(h => h.Id)
            .Select(g => g.OrderBy(h => Rank(h.MatchedBy)).First())
            .OrderBy(h => IsExact(h.MatchedBy) ? 0 : 1)
            .ThenBy(h => Rank(h.MatchedBy))
            .ThenByDescending(h => h.CreatedAt)
            .ToList();
        truncated |= orders.Count > MaxResults;
        var shown = orders.Take(MaxResults)
            .Select(h => new OrderHit(h.OrderNumber, h.CreatedAt, h.Status, h.ProductName, h.Quantity, h.TotalMinor, h.Currency, h.Email,
                h.LicenseeName, h.Provider, h.ProviderOrderRef, h.ProviderTransactionRef, MatchLabel(h.MatchedBy, h.Provider), IsExact(h.MatchedBy)))
            .ToList();

        if (shown.Count == 0 && hint is null)
        {
            hint = "No order matches. Search by the customer's e-mail address, the licensee name, the order number (ORD-…), the license key, or a PayPal order, capture or refund id.";
        }

        var single = shown.Count == 1 ? orders[0] : null;
        await audit.RecordLookupAsync(staff, AuditActions.Search, single?.Id, single?.OrderNumber,
            $"by {shape}: {shown.Count}{(truncated ? "+" : "")} result(s)", ct);
        LogSearched(logger, staff.Id, shape, shown.Count);
        return new OrderSearchResult(shown, truncated, hint);
    }

    // What the term looks like, for choosing the lookups and for the audit log (never the term).
    public static string ShapeOf(string term)
    {
        if (term.StartsWith(LicenseKeyPrefix, StringComparison.OrdinalIgnoreCase) && term.Length > 40)
        {
            return "license key";
        }

        if (term.Contains('@', StringComparison.Ordinal))
        {
            return "e-mail address";
        }

        return term.Length <= 128 && term.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? "order number or reference"
            : "text";
    }

    private const string LicenseKeyPrefix = "ORD1-";

    // email_lower is the database's lower(): SQLite's (and PostgreSQL's under the "C" collation the
    // migration names) changes ASCII letters only, SQL Server's all of them. The term is lowered the same way, or an address with a capital 'É' would never match.
    private string LowerLikeTheDatabase(string term) =>
        db.Provider == DatabaseProvider.SqlServer
            ? term.ToLowerInvariant()
            : string.Create(term.Length, term, (lower, source) =>
            {
                for (var i = 0; i < source.Length; i++)
                {
                    lower[i] = char.IsAsciiLetterUpper(source[i]) ? (char)(source[i] | 0x20) : source[i];
                }
            });

    private static async Task<List<HitRow>> QueryAsync(DbConnection connection, string sql, object args, CancellationToken ct) =>
        [.. await connection.QueryAsync<HitRow>(new CommandDefinition(sql, args, cancellationToken: ct))];

    // The matching ids with how each matched, then those orders in one query (one row per match).
    private static async Task<List<HitRow>> FindAsync(DbConnection connection, string matchesSql, object args, CancellationToken ct)
    {
        var matches = (await connection.QueryAsync<Match>(new CommandDefinition(matchesSql, args, cancellationToken: ct))).AsList();
        if (matches.Count == 0)
        {
            return [];
        }

        long[] ids = [.. matches.Select(m => m.Id).Distinct()];
        var rows = ids.Length == 1
            ? await QueryAsync(connection, OrderByIdSql, new { Id = ids[0] }, ct)
            : await QueryAsync(connection, OrdersByIdSql, new { Ids = ids }, ct);
        var orders = rows.ToDictionary(o => o.Id);
        return [.. matches.Where(m => orders.ContainsKey(m.Id)).Select(m => orders[m.Id] with { MatchedBy = m.MatchedBy })];
    }

    // The smallest string greater than every string that starts with the prefix.
    private static string NextPrefix(string prefix) =>
        prefix[^1] == char.MaxValue ? prefix + char.MaxValue : prefix[..^1] + (char)(prefix[^1] + 1);

    private static bool IsExact(string matchedBy) => !matchedBy.EndsWith("-prefix", StringComparison.Ordinal);

    private static int Rank(string matchedBy) => matchedBy switch
    {
        "order-number" => 0,
        "license-key" => 1,
        "order-ref" => 2,
        "transaction-ref" => 3,
        "refund-ref" => 4,
        "email" => 5,
        "licensee-name" => 6,
        "order-number-prefix" => 7,
        "email-prefix" => 8,
        _ => 9,
    };

    public static string MatchLabel(string matchedBy, string provider) => matchedBy switch
    {
        "order-number" => "order number",
        "license-key" => "license key",
        "order-ref" => ProviderLabels.OrderReference(provider),
        "transaction-ref" => ProviderLabels.TransactionReference(provider),
        "refund-ref" => $"{ProviderLabels.Name(provider)} refund id",
        "email" => "e-mail",
        "order-number-prefix" => "order number starts with",
        "email-prefix" => "e-mail starts with",
        "licensee-name" => "licensee name",
        "licensee-name-prefix" => "licensee name starts with",
        _ => matchedBy,
    };

    // Debug, not Information: the audit log already records every search (who, what shape, how many
    // results), durably and queryable, and a JSON console line per search was a measurable part of
    // a search's CPU (docs/bench-history-2026-11.md, round 7).
    [LoggerMessage(Level = LogLevel.Debug, Message = "Staff user {StaffUserId} searched orders by {Shape}: {Count} result(s)")]
    private static partial void LogSearched(ILogger logger, long staffUserId, string shape, int count);
}

// How each provider names its references, so support sees the words the customer uses.
internal static class ProviderLabels
{
    public static string Name(string provider) => provider switch
    {
        "paypal" => "PayPal",
        "stripe" => "Stripe",
        "avangate" => "2Checkout (Avangate)",
        _ => provider,
    };

    public static string OrderReference(string provider) => provider switch
    {
        "paypal" => "PayPal order id",
        "stripe" => "Stripe checkout session id",
        "avangate" => "2Checkout (Avangate) order reference (REFNO)",
        _ => $"{provider} order reference",
    };

    public static string TransactionReference(string provider) => provider switch
    {
        "paypal" => "PayPal capture id",
        "stripe" => "Stripe payment intent id",
        "avangate" => "2Checkout (Avangate) transaction reference",
        _ => $"{provider} transaction reference",
    };
}
