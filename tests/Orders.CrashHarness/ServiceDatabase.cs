using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Orders.CrashHarness;

internal sealed record OrderRecord(long Id, string OrderNumber, string? PayPalOrderId, string Status, int Quantity);

internal sealed record LicenseRecord(long OrderId, int LineNo, string Status, string Key);

internal sealed record DeliveryRecord(long Id, long OrderId, string Kind, string Status, string? ClaimedUntil, int Attempts = 0);

internal sealed record DatabaseSnapshot(
    IReadOnlyList<OrderRecord> Orders,
    IReadOnlyList<LicenseRecord> Licenses,
    IReadOnlyList<DeliveryRecord> Deliveries,
    IReadOnlyList<long> UnprocessedEvents)
{
    public static DatabaseSnapshot Empty { get; } = new([], [], [], []);
}

// The harness's read-only view of the service's tables, on whichever database the service runs.
// The four reads share one transaction, so they see the same moment.
internal abstract class ServiceDatabase
{
    private const string OrdersSql = "SELECT id, order_number, provider_order_ref, status, quantity FROM orders WHERE provider = 'paypal'";
    private const string LicensesSql = "SELECT order_id, line_no, status, license_key FROM licenses";
    private const string DeliveriesSql = "SELECT id, order_id, kind, status, claimed_until, attempts FROM deliveries";
    private const string UnprocessedSql = "SELECT id FROM webhook_inbox WHERE processed_at IS NULL";

    // False until the service has created its tables.
    protected abstract Task<DbConnection?> OpenAsync(CancellationToken ct);

    public async Task<DatabaseSnapshot> ReadAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        if (connection is null)
        {
            return DatabaseSnapshot.Empty;
        }

        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var orders = await QueryAsync(connection, tx, OrdersSql,
            r => new OrderRecord(Long(r, 0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), (int)Long(r, 4)), ct);
        var licenses = await QueryAsync(connection, tx, LicensesSql,
            r => new LicenseRecord(Long(r, 0), (int)Long(r, 1), r.GetString(2), r.GetString(3)), ct);
        var deliveries = await QueryAsync(connection, tx, DeliveriesSql,
            r => new DeliveryRecord(Long(r, 0), Long(r, 1), r.GetString(2), r.GetString(3), Text(r, 4), (int)Long(r, 5)), ct);
        var unprocessed = await QueryAsync(connection, tx, UnprocessedSql, r => Long(r, 0), ct);
        return new DatabaseSnapshot(orders, licenses, deliveries, unprocessed);
    }

    public static bool IsTransient(Exception e) => e is SqliteException or NpgsqlException;

    // Integer columns are INTEGER on SQLite and integer or bigint elsewhere.
    private static long Long(DbDataReader r, int i) => Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);

    // Times are ISO text on SQLite and timestamps elsewhere; the harness only prints them.
    private static string? Text(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetValue(i) switch
    {
        DateTime t => t.ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture),
        var other => Convert.ToString(other, CultureInfo.InvariantCulture),
    };

    private static async Task<List<T>> QueryAsync<T>(DbConnection connection, DbTransaction tx, string sql, Func<DbDataReader, T> map, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(ct);
        List<T> rows = [];
        while (await reader.ReadAsync(ct))
        {
            rows.Add(map(reader));
        }

        return rows;
    }
}

// The service's SQLite file, read-only and unpooled, so the harness never holds the file open and
// never writes: with WAL a reader does not disturb the running service.
internal sealed class SqliteServiceDatabase(string path) : ServiceDatabase
{
    private readonly string connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadOnly,
        Pooling = false,
        DefaultTimeout = 30,
    }.ToString();

    protected override async Task<DbConnection?> OpenAsync(CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        return connection;
    }
}

// The service's PostgreSQL database, read in read-only transactions through a small pool of its own.
internal sealed class PostgreSqlServiceDatabase(string connectionString) : ServiceDatabase
{
    private readonly string connectionString = new NpgsqlConnectionStringBuilder(connectionString)
    {
        MaxPoolSize = 4,
        ApplicationName = "orders-crash-harness",
        Options = "-c default_transaction_read_only=on",
    }.ConnectionString;

    protected override async Task<DbConnection?> OpenAsync(CancellationToken ct)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT to_regclass('deliveries') IS NOT NULL", connection);
        if (await exists.ExecuteScalarAsync(ct) is true)
        {
            return connection;
        }

        await connection.DisposeAsync();
        return null;
    }
}
