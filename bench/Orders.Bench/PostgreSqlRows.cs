using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Orders.CrashHarness;

namespace Orders.Bench;

// The PostgreSQL rows: the ingest and end-to-end paths of the SQLite rows against a throwaway
// cluster started for the run (or the server ORDERS_BENCH_POSTGRESQL names), and the backlog
// drained by one and by two instances on one database, each with its Hangfire server.
internal sealed partial class Bench
{
    public async Task PostgreSqlAsync()
    {
        Console.WriteLine("[pg] PostgreSQL: ingest, end to end, the backlog with one and with two instances");
        await using var server = await PostgreSqlServer.StartAsync(
            Environment.GetEnvironmentVariable("ORDERS_BENCH_POSTGRESQL"), message => Console.WriteLine("      " + message), CancellationToken.None);
        await PostgreSqlIngestAsync(server);
        await PostgreSqlEndToEndAsync(server, instances: 1);
        await PostgreSqlEndToEndAsync(server, instances: 2);
    }

    private async Task PostgreSqlIngestAsync(PostgreSqlServer server)
    {
        var database = await server.CreateDatabaseAsync("bench_ingest", CancellationToken.None);
        using var service = await StartServiceAsync(Path.Combine(work, "pg-ingest"), "pg-ingest", webOnly: true, database);
        var warm = paypal.SignAll(Events(size.IngestWarmup), service.HostPort);
        var events = Events(size.IngestEvents);
        var requests = paypal.SignAll(events, service.HostPort);
        await HttpLoad.RunAsync(service.Endpoint, new Repeat(warm, 3_000_000), Connections, size.ServiceWarmup);
        await HttpLoad.RunAsync(service.Endpoint, paypal.SignAll(Events(size.IngestWarmup), service.HostPort), Connections, size.ServiceWarmup);
        var run = await MeasureAsync(service, requests, Connections, size.IngestDuration);
        var stored = await PostgreSqlStoredEventIdsAsync(database);
        var lost = Enumerable.Range(0, run.Sent).Count(i => run.Status[i] == 200 && !stored.Contains(events[i].EventId));
        var row = Row.Of("PG 3. Orders ingest on PostgreSQL: distinct events, 64 connections", run, requests[0].Length);
        row.Check = $"{run.Ok:N0} acknowledged, {lost} of them missing from the inbox" + (row.Check is null ? "" : "; " + row.Check);
        report.Add(row);
        if (lost > 0 || run.Ok == 0)
        {
            report.Failures.Add($"PostgreSQL ingest: {lost} acknowledged events are not in the inbox (or nothing was acknowledged)");
        }

        Console.WriteLine($"      ingest: {run.PerSecond:N0} req/s, p50 {run.Latencies().P50Ms:N1} ms, p99 {run.Latencies().P99Ms:N1} ms; {row.Check}");
    }

    // One instance: the cold batch, the end-to-end batch and the backlog, as in rows 4–4d. Two:
    // the cold batch and the backlog, each split over both instances (half the connections each).
    private async Task PostgreSqlEndToEndAsync(PostgreSqlServer server, int instances)
    {
        var label = instances == 1 ? "one instance" : $"{instances} instances";
        var database = await server.CreateDatabaseAsync($"bench_e2e_{instances}", CancellationToken.None);
        var data = Path.Combine(work, $"pg-e2e-{instances}");
        using (await StartServiceAsync(data, $"pg-e2e{instances}-migrate", webOnly: false, database))
        {
        }

        var warmBatch = await PostgreSqlSeeder.SeedPendingAsync(database, size.EndToEndWarmup, TokenSecret);
        var firstBatch = instances == 1 ? await PostgreSqlSeeder.SeedPendingAsync(database, size.EndToEndOrders, TokenSecret) : [];
        var backlogOrders = await PostgreSqlSeeder.SeedPendingAsync(database, size.Backlog, TokenSecret);
        List<ManagedProcess> services = [];
        try
        {
            // The instances share the data directory (the outbox) as they would share a volume.
            foreach (var n in Enumerable.Range(1, instances))
            {
                services.Add(await StartServiceAsync(data, $"pg-e2e{instances}-{n}", webOnly: false, database));
            }

            using var counter = new PostgreSqlProgress(database);
            var warmClock = Stopwatch.StartNew();
            await SpreadAsync(services, paypal.PaidAtPayPal(warmBatch), TimeSpan.FromMinutes(2));
            var warmDone = await WaitProcessedAsync(counter, data, warmBatch.Count, size.DrainCap, warmClock, null, 0);
            report.Add(new Row
            {
                Name = $"PG 4. End to end on PostgreSQL, {label}, cold: the first {warmBatch.Count:N0} orders after start",
                Value = warmDone.Drained ? $"{warmBatch.Count / warmDone.Seconds:N0} orders/s" : $"not done after {warmDone.Seconds:N0} s",
                Check = $"{warmDone.Licenses:N0} licenses, {warmDone.Sent:N0} e-mails sent in {warmDone.Seconds:N1} s",
            });

            if (firstBatch.Count > 0)
            {
                var clock = Stopwatch.StartNew();
                var send = await SpreadAsync(services, paypal.PaidAtPayPal(firstBatch), TimeSpan.FromMinutes(5));
                var done = await WaitProcessedAsync(counter, data, firstBatch.Count, size.DrainCap, clock, null, warmBatch.Count);
                var row = new Row
                {
                    Name = $"PG 4. End to end on PostgreSQL, {label}: {firstBatch.Count:N0} paid-order events → licenses + e-mails",
                    Value = done.Drained ? $"{firstBatch.Count / done.Seconds:N0} orders/s" : $"not done after {done.Seconds:N0} s",
                    Check = $"{send:N0} acknowledged; {done.Licenses:N0} licenses, {done.Sent:N0} e-mails sent in {done.Seconds:N1} s",
                };
                report.Add(row);
                Console.WriteLine($"      end to end ({label}): {row.Value}; {row.Check}");
            }

            var already = warmBatch.Count + firstBatch.Count;
            var checkouts = Enumerable.Range(0, 20_000).Select(i => HttpLoad.Post(services[0].HostPort, "/api/checkout", Encoding.UTF8.GetBytes(
                $$"""{"sku":"PHOTOSHRINK-STD","quantity":1,"email":"buyer{{i}}@example.org","licenseeName":"Buyer {{i}}","provider":"paypal"}"""),
                [new("Idempotency-Key", Guid.NewGuid().ToString())])).ToArray();
            var lookedUp = firstBatch.Count > 0 ? firstBatch : warmBatch;
            var statuses = Enumerable.Range(0, 40_000).Select(i =>
            {
                var o = lookedUp[i % lookedUp.Count];
                return HttpLoad.Get(services[^1].HostPort, $"/api/orders/{o.Number}?token={o.Token}");
            }).ToArray();

            using var stop = new CancellationTokenSource();
            var drainClock = Stopwatch.StartNew();
            var checkoutLoad = HttpLoad.RunAsync(services[0].Endpoint, checkouts, 2, size.DrainCap, pace: TimeSpan.FromMilliseconds(100), ct: stop.Token);
            var statusLoad = HttpLoad.RunAsync(services[^1].Endpoint, statuses, 4, size.DrainCap, pace: TimeSpan.FromMilliseconds(50), ct: stop.Token);
            var accepted = await SpreadAsync(services, paypal.PaidAtPayPal(backlogOrders), size.DrainCap);
            var acceptedSeconds = drainClock.Elapsed.TotalSeconds;
            var drained = await WaitProcessedAsync(counter, data, already - warmBatch.Count + backlogOrders.Count, size.DrainCap - drainClock.Elapsed, drainClock,
                firstBatch.Count, warmBatch.Count);
            await stop.CancelAsync();
            var checkout = await checkoutLoad;
            var status = await statusLoad;
            var drainedHere = drained.Sent - firstBatch.Count;
            var drainRow = new Row
            {
                Name = $"PG 4b. Backlog of {backlogOrders.Count:N0} events draining on PostgreSQL, {label}",
                Value = drained.Drained ? $"{drained.Seconds:N1} s" : $"not drained after {drained.Seconds:N0} s",
                Check = $"{accepted:N0} acknowledged in {acceptedSeconds:N1} s; {drained.Licenses - firstBatch.Count:N0} licensed, {drainedHere:N0} e-mailed "
                    + $"({drainedHere / drained.Seconds:N0} orders/s)",
            };
            report.Add(drainRow);
            report.Add(Row.Of($"PG 4c. Checkout during the drain, {label} (paced 20/s)", checkout, 0));
            report.Add(Row.Of($"PG 4d. Order status during the drain, {label} (paced 80/s)", status, 0));
            Console.WriteLine($"      backlog ({label}): {drainRow.Value}; {drainRow.Check}");
        }
        finally
        {
            foreach (var service in services)
            {
                service.Dispose();
            }
        }
    }

    // Sends the events' webhooks split evenly over the instances, all at once, 64 connections in all.
    private async Task<int> SpreadAsync(List<ManagedProcess> services, List<PaidEvent> events, TimeSpan max)
    {
        var share = (events.Count + services.Count - 1) / services.Count;
        var loads = services.Select((service, i) =>
        {
            var part = events.Skip(i * share).Take(share).ToList();
            return part.Count == 0
                ? Task.FromResult<LoadResult?>(null)
                : HttpLoad.RunAsync(service.Endpoint, paypal.SignAll(part, service.HostPort), Connections / services.Count, max).ContinueWith(t => (LoadResult?)t.Result, TaskScheduler.Default);
        }).ToList();
        var results = await Task.WhenAll(loads);
        return results.Sum(r => r?.Ok ?? 0);
    }

    private static async Task<HashSet<string>> PostgreSqlStoredEventIdsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT provider_event_id FROM webhook_inbox WHERE provider = 'paypal'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}

internal sealed class PostgreSqlProgress(string connectionString) : IProgressCounter
{
    private readonly NpgsqlConnection connection = Open(connectionString);

    public (long Licenses, long Sent) Read()
    {
        using var command = new NpgsqlCommand("SELECT (SELECT COUNT(*) FROM licenses), (SELECT COUNT(*) FROM deliveries WHERE status = 'sent')", connection);
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    public void Dispose() => connection.Dispose();

    private static NpgsqlConnection Open(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        return connection;
    }
}

// Pending orders written straight into the service's (migrated) PostgreSQL database with binary
// COPY, in the same columns and formats as the SQLite seeder.
internal static class PostgreSqlSeeder
{
    private const string Copy = """
        COPY orders (id, order_number, sku, product_name, quantity, unit_price_minor, currency, total_minor, email, licensee_name,
                     provider, provider_order_ref, status, status_token_hash, created_at, updated_at)
        FROM STDIN (FORMAT BINARY)
        """;

    public static async Task<List<SeededOrder>> SeedPendingAsync(string connectionString, int count, string tokenSecret)
    {
        var secret = Encoding.UTF8.GetBytes(tokenSecret);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        long firstId;
        await using (var max = new NpgsqlCommand("SELECT COALESCE(MAX(id), 0) + 1 FROM orders", connection))
        {
            firstId = (long)(await max.ExecuteScalarAsync())!;
        }

        // Placed in the last minute: older pending orders would be picked up by reconciliation and expiry.
        var start = DateTime.UtcNow - TimeSpan.FromMinutes(1);
        List<SeededOrder> seeded = new(count);
        await using (var writer = await connection.BeginBinaryImportAsync(Copy))
        {
            for (var i = 0; i < count; i++)
            {
                var id = firstId + i;
                var number = "ORD-" + PaidEvent.Id(12);
                var email = $"customer{id}@example{id % 97}.com";
                var payPalOrderId = PaidEvent.Id(17);
                var token = Seeder.Base64Url(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes("order-status:" + number)));
                var created = start.AddTicks(i * TimeSpan.FromMinutes(1).Ticks / Math.Max(1, count));
                await writer.StartRowAsync();
                await writer.WriteAsync(id, NpgsqlDbType.Bigint);
                await writer.WriteAsync(number);
                await writer.WriteAsync("PHOTOSHRINK-PRO");
                await writer.WriteAsync("PhotoShrink Pro");
                await writer.WriteAsync(1, NpgsqlDbType.Integer);
                await writer.WriteAsync(4900L, NpgsqlDbType.Bigint);
                await writer.WriteAsync("USD", NpgsqlDbType.Char);
                await writer.WriteAsync(4900L, NpgsqlDbType.Bigint);
                await writer.WriteAsync(email);
                await writer.WriteAsync($"Licensee {id}");
                await writer.WriteAsync("paypal");
                await writer.WriteAsync(payPalOrderId);
                await writer.WriteAsync("pending");
                await writer.WriteAsync(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token))), NpgsqlDbType.Char);
                await writer.WriteAsync(created, NpgsqlDbType.TimestampTz);
                await writer.WriteAsync(created, NpgsqlDbType.TimestampTz);
                seeded.Add(new SeededOrder(id, number, email, payPalOrderId, "", "", token));
            }

            await writer.CompleteAsync();
        }

        // Explicit ids: the identity must go on after them, and the planner needs fresh statistics.
        await using (var identity = new NpgsqlCommand("SELECT setval(pg_get_serial_sequence('orders', 'id'), (SELECT MAX(id) FROM orders)); ANALYZE orders", connection))
        {
            await identity.ExecuteNonQueryAsync();
        }

        return seeded;
    }
}
