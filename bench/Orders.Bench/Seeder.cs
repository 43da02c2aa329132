using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Orders.Licensing;

namespace Orders.Bench;

internal sealed record SeededOrder(long Id, string Number, string Email, string PayPalOrderId, string CaptureId, string LicenseKey, string Token);

// Writes orders straight into the service's (migrated, stopped) SQLite file: one transaction,
// prepared statements, the same columns and formats the service writes.
internal static class Seeder
{
    private const string Sku = "PHOTOSHRINK-PRO";
    private const string ProductName = "PhotoShrink Pro";
    private const long Price = 4900;

    private const string InsertOrderSql = """
        INSERT INTO orders (id, order_number, sku, product_name, quantity, unit_price_minor, currency, total_minor, email, licensee_name,
                            provider, provider_order_ref, provider_transaction_ref, redirect_url, status, status_token_hash,
                            created_at, updated_at, paid_at)
        VALUES ($id, $number, $sku, $product, 1, $price, 'USD', $price, $email, $licensee,
                'paypal', $orderRef, $captureRef, NULL, $status, $tokenHash, $created, $created, $paid)
        """;

    private const string InsertLicenseSql = """
        INSERT INTO licenses (order_id, line_no, license_id, license_key, key_id, seats, status, issued_at)
        VALUES ($orderId, 1, $licenseId, $key, 'k1', 1, 'active', $created)
        """;

    // Pending orders awaiting PayPal's capture webhook (for the end-to-end runs).
    public static List<SeededOrder> SeedPending(string dbPath, int count, string tokenSecret) =>
        Seed(dbPath, count, count, tokenSecret, signer: null);

    // Paid orders with a license each. `sample` of them (spread over the table) are returned with
    // real, verifiable license keys for the lookups; the others carry keys of the same length.
    public static List<SeededOrder> SeedPaid(string dbPath, int count, int sample, string tokenSecret, LicenseSigner signer) =>
        Seed(dbPath, count, sample, tokenSecret, signer);

    private static List<SeededOrder> Seed(string dbPath, int count, int sample, string tokenSecret, LicenseSigner? signer)
    {
        var secret = Encoding.UTF8.GetBytes(tokenSecret);
        var every = Math.Max(1, count / Math.Max(1, sample));
        var seeded = new List<SeededOrder>(Math.Min(count, sample));
        using var connection = new SqliteConnection($"Data Source={dbPath};Pooling=False");
        connection.Open();
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -262144;";
            pragma.ExecuteNonQuery();
        }

        long firstId;
        using (var max = connection.CreateCommand())
        {
            max.CommandText = "SELECT COALESCE(MAX(id), 0) + 1 FROM orders";
            firstId = (long)max.ExecuteScalar()!;
        }

        using var tx = connection.BeginTransaction();
        using var order = connection.CreateCommand();
        order.Transaction = tx;
        order.CommandText = InsertOrderSql;
        string[] orderParameters = ["$id", "$number", "$sku", "$product", "$price", "$email", "$licensee", "$orderRef", "$captureRef", "$status", "$tokenHash", "$created", "$paid"];
        foreach (var name in orderParameters)
        {
            order.Parameters.Add(new SqliteParameter(name, null));
        }

        order.Prepare();
        using var license = connection.CreateCommand();
        license.Transaction = tx;
        license.CommandText = InsertLicenseSql;
        foreach (var name in new[] { "$orderId", "$licenseId", "$key", "$created" })
        {
            license.Parameters.Add(new SqliteParameter(name, null));
        }

        license.Prepare();

        // Paid orders are spread over 400 days; pending ones were placed in the last minute (older
        // pending orders would be picked up by reconciliation and expiry).
        var paid = signer is not null;
        var span = paid ? TimeSpan.FromDays(400) : TimeSpan.FromMinutes(1);
        var start = DateTime.UtcNow - span;
        var placeholderKey = signer?.Sign(new LicenseData("LIC-" + new string('0', 20), Sku, "Placeholder Licensee", 1, "ORD-000000000000", DateOnly.FromDateTime(DateTime.UtcNow)));
        for (var i = 0; i < count; i++)
        {
            var id = firstId + i;
            var number = "ORD-" + PaidEvent.Id(12);
            var email = $"customer{id}@example{id % 97}.com";
            var licensee = $"Licensee {id}";
            var payPalOrderId = PaidEvent.Id(17);
            var captureId = paid ? PaidEvent.Id(17) : "";
            var created = start.AddTicks((long)(i * (double)span.Ticks / Math.Max(1, count)));
            var token = Base64Url(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes("order-status:" + number)));
            var tokenHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
            var createdText = created.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            Set(order, id, number, Sku, ProductName, Price, email, licensee, payPalOrderId, paid ? captureId : null, paid ? "paid" : "pending", tokenHash, createdText, paid ? createdText : null);
            order.ExecuteNonQuery();

            var inSample = i % every == 0 && seeded.Count < sample;
            var key = "";
            if (paid)
            {
                var licenseId = "LIC-" + PaidEvent.Id(20);
                key = inSample
                    ? signer!.Sign(new LicenseData(licenseId, Sku, licensee, 1, number, DateOnly.FromDateTime(created)))
                    : placeholderKey!;
                license.Parameters[0].Value = id;
                license.Parameters[1].Value = licenseId;
                license.Parameters[2].Value = key;
                license.Parameters[3].Value = createdText;
                license.ExecuteNonQuery();
            }

            if (inSample)
            {
                seeded.Add(new SeededOrder(id, number, email, payPalOrderId, captureId, key, token));
            }
        }

        tx.Commit();
        using (var analyze = connection.CreateCommand())
        {
            analyze.CommandText = "PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);";
            analyze.ExecuteNonQuery();
        }

        return seeded;
    }

    private static void Set(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }

    internal static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
