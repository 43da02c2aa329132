using Microsoft.Data.Sqlite;

namespace Orders.CrashHarness;

internal sealed record OrderRecord(long Id, string OrderNumber, string? PayPalOrderId, string Status, int Quantity);

internal sealed record LicenseRecord(long OrderId, int LineNo, string Status, string Key);

internal sealed record DeliveryRecord(long Id, long OrderId, string Kind, string Status, string? ClaimedUntil);

internal sealed record DatabaseSnapshot(
    IReadOnlyList<OrderRecord> Orders,
    IReadOnlyList<LicenseRecord> Licenses,
    IReadOnlyList<DeliveryRecord> Deliveries,
    IReadOnlyList<long> UnprocessedEvents)
{
    public static DatabaseSnapshot Empty { get; } = new([], [], [], []);
}

// Reads the service's SQLite file directly, read-only and unpooled, so the harness never holds the
// file open and never writes: with WAL a reader does not disturb the running service.
internal sealed class ServiceDatabase(string path)
{
    private readonly string connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadOnly,
        Pooling = false,
        DefaultTimeout = 30,
    }.ToString();

    public bool Exists => File.Exists(path);

    public async Task<DatabaseSnapshot> ReadAsync(CancellationToken ct)
    {
        if (!Exists)
        {
            return DatabaseSnapshot.Empty;
        }

        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        // One read transaction: the four reads see the same moment.
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
        var orders = await QueryAsync(connection, tx,
            "SELECT id, order_number, provider_order_ref, status, quantity FROM orders WHERE provider = 'paypal'",
            r => new OrderRecord(r.GetInt64(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), r.GetInt32(4)), ct);
        var licenses = await QueryAsync(connection, tx,
            "SELECT order_id, line_no, status, license_key FROM licenses",
            r => new LicenseRecord(r.GetInt64(0), r.GetInt32(1), r.GetString(2), r.GetString(3)), ct);
        var deliveries = await QueryAsync(connection, tx,
            "SELECT id, order_id, kind, status, claimed_until FROM deliveries",
            r => new DeliveryRecord(r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4)), ct);
        var unprocessed = await QueryAsync(connection, tx, "SELECT id FROM webhook_inbox WHERE processed_at IS NULL", r => r.GetInt64(0), ct);
        return new DatabaseSnapshot(orders, licenses, deliveries, unprocessed);
    }

    private static async Task<List<T>> QueryAsync<T>(SqliteConnection connection, SqliteTransaction tx, string sql, Func<SqliteDataReader, T> map, CancellationToken ct)
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
