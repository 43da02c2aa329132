using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Orders.Bench;
using Orders.Licensing;

// Orders.Bench [--quick] [--out DIR] [--only ceiling,naive,ingest,e2e,lookups,postgresql] [--postgresql | --no-postgresql] [--keep-data]
// Needs the Release builds of the service, the ceiling and the naive peer (bench/run does both).
var quick = args.Contains("--quick");
var outDir = ArgValue(args, "--out") ?? Path.Combine(Bench.RepoRoot, "bench", "results");
var only = ArgValue(args, "--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
var size = quick ? Sizes.Quick : Sizes.Full;

Directory.CreateDirectory(outDir);
var work = Path.Combine(Path.GetTempPath(), $"orders-bench-{Environment.ProcessId}");
Directory.CreateDirectory(work);
var report = new Report(quick ? "quick" : "full", Environment.ProcessorCount, File.ReadAllText("/proc/loadavg").Trim());
Console.WriteLine($"Orders benchmarks ({report.Size}); work folder {work}; load average at start: {report.LoadAverageAtStart}");

var total = Stopwatch.StartNew();
await using var paypal = await PayPalSide.StartAsync();
try
{
    var bench = new Bench(paypal, work, size, report);
    if (only is null || only.Contains("ceiling"))
    {
        await bench.CeilingAsync();
    }

    if (only is null || only.Contains("naive"))
    {
        await bench.NaiveAsync();
    }

    if (only is null || only.Contains("ingest"))
    {
        await bench.IngestAsync();
        if (only is null || only.Contains("ceiling"))
        {
            // The ceiling once more, so that it brackets ingest (see Report.CeilingAroundIngest).
            await bench.CeilingAsync(again: true);
        }
    }

    if (only is null || only.Contains("e2e"))
    {
        await bench.EndToEndAsync();
    }

    if (only is null || only.Contains("lookups"))
    {
        await bench.LookupsAsync();
    }

    // PostgreSQL rows: in the full run, and in --quick only when asked for (see bench/README.md).
    if (only?.Contains("postgresql") ?? (args.Contains("--postgresql") || !quick && !args.Contains("--no-postgresql")))
    {
        await bench.PostgreSqlAsync();
    }
}
finally
{
    report.Seconds = Math.Round(total.Elapsed.TotalSeconds, 1);
    report.LoadAverageAtEnd = File.ReadAllText("/proc/loadavg").Trim();
    var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
    var markdown = report.ToMarkdown();
    var json = JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true });
    File.WriteAllText(Path.Combine(outDir, $"{stamp}-{report.Size}.md"), markdown);
    File.WriteAllText(Path.Combine(outDir, $"{stamp}-{report.Size}.json"), json);
    File.WriteAllText(Path.Combine(outDir, $"latest-{report.Size}.md"), markdown);
    File.WriteAllText(Path.Combine(outDir, $"latest-{report.Size}.json"), json);
    Console.WriteLine();
    Console.WriteLine(markdown);
    Console.WriteLine($"Written to {outDir}/{stamp}-{report.Size}.{{md,json}}; service logs in {work}");
    if (!args.Contains("--keep-data"))
    {
        // The databases (a million orders is about 1 GB) go; the logs and traces stay.
        foreach (var folder in Directory.EnumerateDirectories(work))
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

return report.Failures.Count == 0 ? 0 : 1;

static string? ArgValue(string[] args, string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

namespace Orders.Bench
{
    internal sealed record Sizes(
        TimeSpan Warmup, TimeSpan CeilingDuration, int NaiveEvents, TimeSpan NaiveDuration, int IngestWarmup, int IngestEvents,
        TimeSpan IngestDuration, int DuplicateEvents, int EndToEndOrders, int Backlog, TimeSpan DrainCap, int LookupOrders, int LookupSample,
        int LookupRequests, TimeSpan ServiceWarmup, int EndToEndWarmup)
    {
        public static readonly Sizes Quick = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), 1_500, TimeSpan.FromSeconds(5), 1_000, 8_000,
            TimeSpan.FromSeconds(10), 2_000, 500, 2_000, TimeSpan.FromSeconds(60), 20_000, 200, 400, TimeSpan.FromSeconds(3), 200);

        // The service is warmed up for 20 s before ingest is measured, and 10,000 orders go through
        // the whole path before end to end is: on two cores the runtime's tiered JIT keeps
        // recompiling hot methods for a long time (counted with DOTNET_JitDisasmSummary: 7,500
        // methods compiled during the first 10,000 webhooks, still 500–1,000 per 10,000 webhooks
        // between 40,000 and 80,000, none after 90,000, i.e. ≈ 15 s of ingest), and that is not
        // what a service that has been running for a day spends its CPU on. The cold figure for end
        // to end (the warm-up batch) is reported too.
        public static readonly Sizes Full = new(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(10), 15_000, TimeSpan.FromSeconds(10), 20_000, 150_000,
            TimeSpan.FromSeconds(20), 40_000, 10_000, 100_000, TimeSpan.FromSeconds(240), 1_000_000, 2_000, 4_000, TimeSpan.FromSeconds(20), 10_000);
    }

    internal sealed partial class Bench(PayPalSide paypal, string work, Sizes size, Report report)
    {
        public const int Connections = 64;
        private const string TokenSecret = "orders-benchmark-token-secret-0123456789abcdef";
        private const string StaffPassword = "bench-Staff-password-42";
        private static readonly string SigningKeyPem = CreateSigningKey();

        public static string RepoRoot { get; } = FindRepoRoot();

        private static string Dll(string project, string name) =>
            Path.Combine(RepoRoot, project, "bin", "Release", "net10.0", name + ".dll");

        // ORDERS_BENCH_SERVICE_DLL runs another build of the service (e.g. the commit before a change).
        private static string ServiceDll => Environment.GetEnvironmentVariable("ORDERS_BENCH_SERVICE_DLL") is { Length: > 0 } other
            ? other
            : Dll("src/Orders.Api", "Orders.Api");

        // A load run with the server's CPU time per request alongside: robust on a busy machine,
        // where requests per second are not.
        private static async Task<LoadResult> MeasureAsync(
            ManagedProcess server, IReadOnlyList<byte[]> requests, int connections, TimeSpan max, bool keepBodies = false, TimeSpan? pace = null)
        {
            var cpu = server.CpuSeconds;
            var written = server.DiskWriteBytes;
            var machine = MachineCpu.Read();
            var run = await HttpLoad.RunAsync(server.Endpoint, requests, connections, max, keepBodies, pace);
            run.MachineIdle = MachineCpu.Between(machine, MachineCpu.Read());
            run.ServerCpuMicrosPerRequest = run.Sent > 0 ? (server.CpuSeconds - cpu) * 1e6 / run.Sent : null;
            run.ServerDiskKbPerRequest = run.Sent > 0 ? (server.DiskWriteBytes - written) / 1024.0 / run.Sent : null;
            return run;
        }

        // ---- 1. Ceiling -------------------------------------------------------------------------------
        public async Task CeilingAsync(bool again = false)
        {
            Console.WriteLine(again ? "[3/5] ceiling again, right after ingest" : "[1/5] ceiling: bare Kestrel, same request size");
            var port = ManagedProcess.FreePort();
            using var process = ManagedProcess.Start("ceiling", Dll("bench/Orders.Bench.Ceiling", "Orders.Bench.Ceiling"),
                [$"--urls=http://127.0.0.1:{port}"], new Dictionary<string, string>(), Path.Combine(work, "ceiling.log"), port);
            await process.WaitReadyAsync("/", TimeSpan.FromSeconds(60));
            // The same signed webhook requests the service gets (same headers, same body size).
            var requests = paypal.SignAll(Enumerable.Range(0, 2_000).Select(_ => PaidEvent.For("ORD-" + PaidEvent.Id(12), PaidEvent.Id(17))).ToList(), process.HostPort);
            var endless = new Repeat(requests, 3_000_000);
            await HttpLoad.RunAsync(process.Endpoint, endless, Connections, size.Warmup);
            var run = await MeasureAsync(process, new Repeat(requests, 3_000_000), Connections, size.CeilingDuration);
            if (again)
            {
                report.Add(Row.Of("3c. Ceiling again, right after 3b", run, requests[0].Length));
                report.CeilingAfterIngest = run.PerSecond;
            }
            else
            {
                report.Add(Row.Of("1. Ceiling: bare Kestrel POST, 64 connections", run, requests[0].Length));
                report.Ceiling = run.PerSecond;
            }

            Console.WriteLine($"      {run.PerSecond:N0} req/s");
        }

        // ---- 2. Naive peer ----------------------------------------------------------------------------
        public async Task NaiveAsync()
        {
            Console.WriteLine("[2/5] naive peer: verify + BackgroundJob.Enqueue into Hangfire.Storage.SQLite");
            var port = ManagedProcess.FreePort();
            var db = Path.Combine(work, "naive", "hangfire.db");
            Directory.CreateDirectory(Path.GetDirectoryName(db)!);
            using var process = ManagedProcess.Start("naive", Dll("bench/Orders.Bench.Naive", "Orders.Bench.Naive"),
                [$"--urls=http://127.0.0.1:{port}", $"--Naive:Database={db}", $"--Naive:WebhookId={PayPalSide.WebhookId}"],
                new Dictionary<string, string>(), Path.Combine(work, "naive.log"), port);
            await process.WaitReadyAsync("/", TimeSpan.FromSeconds(60));
            var warm = paypal.SignAll(Events(Math.Max(200, size.NaiveEvents / 10)), process.HostPort);
            var measured = paypal.SignAll(Events(size.NaiveEvents), process.HostPort);
            await HttpLoad.RunAsync(process.Endpoint, warm, Connections, size.Warmup);
            var run = await MeasureAsync(process, measured, Connections, size.NaiveDuration);
            report.Add(Row.Of("2. Naive peer: verify + Enqueue(payload), Hangfire.Storage.SQLite", run, measured[0].Length));
            report.Naive = run.PerSecond;
            Console.WriteLine($"      {run.PerSecond:N0} req/s, p99 {run.Latencies().P99Ms:N1} ms, {run.Sent - run.Ok} not 2xx");
        }

        // ---- 3. Orders ingest -------------------------------------------------------------------------
        public async Task IngestAsync()
        {
            Console.WriteLine("[3/5] Orders ingest: distinct signed webhooks, SQLite WAL + synchronous=FULL, group commit");
            var data = Path.Combine(work, "ingest");
            using var service = await StartServiceAsync(data, "ingest", webOnly: true);

            var warm = paypal.SignAll(Events(size.IngestWarmup), service.HostPort);
            var warmNew = paypal.SignAll(Events(size.IngestWarmup), service.HostPort);
            var events = Events(size.IngestEvents);
            var requests = paypal.SignAll(events, service.HostPort);
            // Distinct events first, then the same ones again (duplicates) until the warm-up time is
            // up, then a last batch of new events: perf showed the code only new events run (the
            // insert, the processing queue) still being recompiled by the tiered JIT during the
            // first second of the measured run when the warm-up ended on duplicates.
            await HttpLoad.RunAsync(service.Endpoint, new Repeat(warm, 3_000_000), Connections, size.ServiceWarmup);
            await HttpLoad.RunAsync(service.Endpoint, warmNew, Connections, size.ServiceWarmup);
            service.ResetPeak();
            using var trace = Profiler.Attach(service, work, "ingest");
            var run = await MeasureAsync(service, requests, Connections, size.IngestDuration);
            var stored = StoredEventIds(data);
            var lost = Enumerable.Range(0, run.Sent).Count(i => run.Status[i] == 200 && !stored.Contains(events[i].EventId));
            var row = Row.Of("3. Orders ingest: distinct events, 64 connections", run, requests[0].Length);
            row.Check = $"{run.Ok:N0} acknowledged, {lost} of them missing from the inbox" + (row.Check is null ? "" : "; " + row.Check);
            report.Add(row);
            report.Ingest = run.PerSecond;
            report.IngestP99Ms = run.Latencies().P99Ms;
            if (lost > 0 || run.Ok == 0)
            {
                report.Failures.Add($"ingest: {lost} acknowledged events are not in the inbox (or nothing was acknowledged)");
            }

            Console.WriteLine($"      {run.PerSecond:N0} req/s, p50 {run.Latencies().P50Ms:N1} ms, p99 {run.Latencies().P99Ms:N1} ms; {row.Check}");

            // Every event twice, in random order (some pairs in flight together).
            var distinct = Events(size.DuplicateEvents);
            var signed = paypal.SignAll(distinct.Concat(distinct).ToList(), service.HostPort);
            var order = Enumerable.Range(0, signed.Length).ToArray();
            Random.Shared.Shuffle(order);
            var shuffled = order.Select(i => signed[i]).ToArray();
            using var duplicatesTrace = Profiler.Attach(service, work, "duplicates");
            var dup = await MeasureAsync(service, shuffled, Connections, size.IngestDuration, keepBodies: true);
            stored = StoredEventIds(data);
            var duplicateAcks = Enumerable.Range(0, dup.Sent).Count(i => dup.Bodies[i]?.Contains("\"duplicate\":true", StringComparison.Ordinal) == true);
            var missing = Enumerable.Range(0, dup.Sent).Count(i => dup.Status[i] == 200 && !stored.Contains(distinct[order[i] % distinct.Count].EventId));
            var dupRow = Row.Of("3b. Orders ingest: every event sent twice", dup, signed[0].Length);
            dupRow.Check = $"{dup.Ok:N0} acknowledged ({duplicateAcks:N0} as duplicates), {missing} missing from the inbox" + (dupRow.Check is null ? "" : "; " + dupRow.Check);
            report.Add(dupRow);
            report.Duplicates = dup.PerSecond;
            report.IngestPeakMb = service.PeakWorkingSetMb;
            report.Add(new Row { Name = "6a. Peak working set of the service during 3 (VmHWM)", Value = $"{report.IngestPeakMb:N0} MB", Check = service.PeakComposition });
            if (missing > 0)
            {
                report.Failures.Add($"duplicates: {missing} acknowledged events are not in the inbox");
            }

            Console.WriteLine($"      duplicates: {dup.PerSecond:N0} req/s; {dupRow.Check}; peak {report.IngestPeakMb:N0} MB");
        }

        // ---- 4. End to end ----------------------------------------------------------------------------
        public async Task EndToEndAsync()
        {
            Console.WriteLine("[4/5] end to end: paid events → licenses issued → e-mails written");
            var data = Path.Combine(work, "e2e");
            using (await StartServiceAsync(data, "e2e-migrate", webOnly: false))
            {
            }

            var dbPath = Path.Combine(data, "orders.db");
            var warmBatch = Seeder.SeedPending(dbPath, size.EndToEndWarmup, TokenSecret);
            var firstBatch = Seeder.SeedPending(dbPath, size.EndToEndOrders, TokenSecret);
            var backlogOrders = Seeder.SeedPending(dbPath, size.Backlog, TokenSecret);
            using var service = await StartServiceAsync(data, "e2e", webOnly: false);

            // Warm-up: a smaller batch through the whole path first.
            var warmRequests = paypal.SignAll(paypal.PaidAtPayPal(warmBatch), service.HostPort);
            var warmClock = Stopwatch.StartNew();
            await HttpLoad.RunAsync(service.Endpoint, warmRequests, Connections, TimeSpan.FromMinutes(2));
            var warmDone = await WaitProcessedAsync(data, warmBatch.Count, size.DrainCap, warmClock, null, 0);
            report.Add(new Row
            {
                Name = $"4. End to end, cold: the first {warmBatch.Count:N0} orders after start (the warm-up)",
                Value = warmDone.Drained ? $"{warmBatch.Count / warmDone.Seconds:N0} orders/s" : $"not done after {warmDone.Seconds:N0} s",
                Check = $"{warmDone.Licenses:N0} licenses, {warmDone.Sent:N0} e-mails sent in {warmDone.Seconds:N1} s",
            });

            // N paid-order events; the clock runs from the first request to the last e-mail file.
            var firstEvents = paypal.PaidAtPayPal(firstBatch);
            var firstRequests = paypal.SignAll(firstEvents, service.HostPort);
            service.ResetPeak();
            var clock = Stopwatch.StartNew();
            var send = await HttpLoad.RunAsync(service.Endpoint, firstRequests, Connections, TimeSpan.FromMinutes(5));
            var done = await WaitProcessedAsync(data, firstBatch.Count, size.DrainCap, clock, null, warmBatch.Count);
            var e2eRow = new Row
            {
                Name = $"4. End to end: {firstBatch.Count:N0} paid-order events → licenses + e-mails",
                Value = done.Drained ? $"{firstBatch.Count / done.Seconds:N0} orders/s" : $"not done after {done.Seconds:N0} s",
                Check = $"{send.Ok:N0} acknowledged; {done.Licenses:N0} licenses, {done.Sent:N0} e-mails sent, {done.EmlFiles:N0} .eml files in {done.Seconds:N1} s",
            };
            report.Add(e2eRow);
            report.EndToEnd = done.Drained ? firstBatch.Count / done.Seconds : done.Sent / done.Seconds;
            Console.WriteLine($"      {e2eRow.Value}; {e2eRow.Check}");

            // The backlog: every event at once (64 connections), while customers check out and look at
            // their orders at a steady pace. The drain ends when every license and e-mail is done.
            var backlogEvents = paypal.PaidAtPayPal(backlogOrders);
            var backlogRequests = paypal.SignAll(backlogEvents, service.HostPort);
            var checkouts = Enumerable.Range(0, 20_000).Select(i => HttpLoad.Post(service.HostPort, "/api/checkout", Encoding.UTF8.GetBytes(
                $$"""{"sku":"PHOTOSHRINK-STD","quantity":1,"email":"buyer{{i}}@example.org","licenseeName":"Buyer {{i}}","provider":"paypal"}"""),
                [new("Idempotency-Key", Guid.NewGuid().ToString())])).ToArray();
            var statuses = Enumerable.Range(0, 40_000).Select(i =>
            {
                var o = firstBatch[i % firstBatch.Count];
                return HttpLoad.Get(service.HostPort, $"/api/orders/{o.Number}?token={o.Token}");
            }).ToArray();

            var target = firstBatch.Count + backlogOrders.Count;
            using var stop = new CancellationTokenSource();
            clock.Restart();
            using var trace = Profiler.Attach(service, work, "backlog");
            var checkoutLoad = HttpLoad.RunAsync(service.Endpoint, checkouts, 2, size.DrainCap, pace: TimeSpan.FromMilliseconds(100), ct: stop.Token);
            var statusLoad = HttpLoad.RunAsync(service.Endpoint, statuses, 4, size.DrainCap, pace: TimeSpan.FromMilliseconds(50), ct: stop.Token);
            var backlogSend = await HttpLoad.RunAsync(service.Endpoint, backlogRequests, Connections, size.DrainCap);
            var acceptedSeconds = clock.Elapsed.TotalSeconds;
            var drained = await WaitProcessedAsync(data, target, size.DrainCap - clock.Elapsed, clock, firstBatch.Count, warmBatch.Count);
            await stop.CancelAsync();
            var checkout = await checkoutLoad;
            var status = await statusLoad;
            var drainRow = new Row
            {
                Name = $"4b. Backlog of {backlogOrders.Count:N0} events draining",
                Value = drained.Drained ? $"{drained.Seconds:N1} s" : $"not drained after {drained.Seconds:N0} s",
                Check = $"{backlogSend.Ok:N0} acknowledged in {acceptedSeconds:N1} s ({backlogSend.PerSecond:N0} req/s); "
                    + $"{drained.Licenses - firstBatch.Count:N0} licensed, {drained.Sent - firstBatch.Count:N0} e-mailed "
                    + $"({(drained.Sent - firstBatch.Count) / drained.Seconds:N0} orders/s)",
            };
            report.Add(drainRow);
            report.Add(Row.Of("4c. Checkout during the drain (paced 20/s)", checkout, 0));
            report.Add(Row.Of("4d. Order status during the drain (paced 80/s)", status, 0));
            report.BacklogEvents = backlogOrders.Count;
            report.BacklogSeconds = drained.Drained ? drained.Seconds : null;
            report.BacklogRate = (drained.Sent - firstBatch.Count) / drained.Seconds;
            report.CheckoutP99Ms = checkout.Latencies().P99Ms;
            report.StatusP99Ms = status.Latencies().P99Ms;
            report.EndToEndPeakMb = service.PeakWorkingSetMb;
            report.Add(new Row { Name = "6b. Peak working set of the service during 4 (VmHWM)", Value = $"{report.EndToEndPeakMb:N0} MB", Check = service.PeakComposition });
            Console.WriteLine($"      backlog: {drainRow.Value}; {drainRow.Check}");
            Console.WriteLine($"      checkout p99 {report.CheckoutP99Ms:N1} ms ({checkout.Sent - checkout.Ok} not 2xx), status p99 {report.StatusP99Ms:N1} ms; peak {report.EndToEndPeakMb:N0} MB");
        }

        private sealed record Progress(bool Drained, double Seconds, long Licenses, long Sent, int EmlFiles);

        // Waits until `target` orders (beyond the `already` done before) have a license and a sent e-mail.
        private static async Task<Progress> WaitProcessedAsync(string data, int target, TimeSpan cap, Stopwatch clock, int? printFrom, int already)
        {
            using var counter = new SqliteProgress(Path.Combine(data, "orders.db"));
            return await WaitProcessedAsync(counter, data, target, cap, clock, printFrom, already);
        }

        private static async Task<Progress> WaitProcessedAsync(IProgressCounter counter, string data, int target, TimeSpan cap, Stopwatch clock, int? printFrom, int already)
        {
            var deadline = clock.Elapsed + (cap > TimeSpan.Zero ? cap : TimeSpan.Zero);
            long licenses = 0, sent = 0;
            var lastPrint = clock.Elapsed;
            while (true)
            {
                var (allLicenses, allSent) = counter.Read();
                licenses = allLicenses - already;
                sent = allSent - already;
                if (licenses >= target && sent >= target)
                {
                    break;
                }

                if (clock.Elapsed >= deadline)
                {
                    return new Progress(false, clock.Elapsed.TotalSeconds, licenses, sent, CountEml(data) - already);
                }

                if (printFrom is { } from && clock.Elapsed - lastPrint > TimeSpan.FromSeconds(10))
                {
                    lastPrint = clock.Elapsed;
                    Console.WriteLine($"      … {clock.Elapsed.TotalSeconds:N0} s: {licenses - from:N0} licensed, {sent - from:N0} e-mailed");
                }

                await Task.Delay(100);
            }

            var seconds = clock.Elapsed.TotalSeconds;
            return new Progress(true, seconds, licenses, sent, CountEml(data) - already);
        }

        private static int CountEml(string data)
        {
            var outbox = Path.Combine(data, "outbox");
            return Directory.Exists(outbox) ? Directory.EnumerateFiles(outbox, "*.eml").Count() : 0;
        }

        // ---- 5. Lookups -------------------------------------------------------------------------------
        public async Task LookupsAsync()
        {
            Console.WriteLine($"[5/5] lookups with {size.LookupOrders:N0} orders seeded");
            var data = Path.Combine(work, "lookups");
            using (await StartServiceAsync(data, "lookups-migrate", webOnly: false))
            {
            }

            var seedClock = Stopwatch.StartNew();
            using var signer = LicenseSigner.FromPem(SigningKeyPem, "k1");
            var sample = Seeder.SeedPaid(Path.Combine(data, "orders.db"), size.LookupOrders, size.LookupSample, TokenSecret, signer);
            report.Add(new Row { Name = $"5. Seeding {size.LookupOrders:N0} paid orders + licenses (one transaction)", Value = $"{seedClock.Elapsed.TotalSeconds:N1} s" });
            Console.WriteLine($"      seeded in {seedClock.Elapsed.TotalSeconds:N1} s");

            var (code, output) = await ManagedProcess.RunToEndAsync(ServiceDll, ["staff", "add", "perf", "--role", "admin", .. ServiceArgs(data, 0)],
                ServiceEnv(new() { ["ORDERS_STAFF_PASSWORD"] = StaffPassword }), TimeSpan.FromMinutes(2));
            if (code != 0)
            {
                throw new InvalidOperationException($"staff add failed ({code}): {output}");
            }

            using var service = await StartServiceAsync(data, "lookups", webOnly: false);
            var cookie = await SignInAsync(service.BaseUrl);

            var kinds = new (string Name, Func<SeededOrder, byte[]> Request)[]
            {
                ("status API (customer, with token)", o => HttpLoad.Get(service.HostPort, $"/api/orders/{o.Number}?token={o.Token}")),
                ("support search by e-mail", o => HttpLoad.Get(service.HostPort, $"/api/support/orders?q={Uri.EscapeDataString(o.Email)}", cookie)),
                ("support search by order number", o => HttpLoad.Get(service.HostPort, $"/api/support/orders?q={o.Number}", cookie)),
                ("support search by PayPal order id", o => HttpLoad.Get(service.HostPort, $"/api/support/orders?q={o.PayPalOrderId}", cookie)),
                ("support search by PayPal capture id", o => HttpLoad.Get(service.HostPort, $"/api/support/orders?q={o.CaptureId}", cookie)),
                ("support search by license key", o => HttpLoad.Get(service.HostPort, $"/api/support/orders?q={Uri.EscapeDataString(o.LicenseKey)}", cookie)),
            };
            var worst = 0.0;
            foreach (var (name, build) in kinds)
            {
                var requests = Enumerable.Range(0, size.LookupRequests).Select(i => build(sample[i % sample.Count])).ToArray();
                // Warm-up: the same requests over and over for 9 s (3 s quick). 800 requests were too
                // few: perf showed the handlers still running as quick-JIT (tier 0) code during the
                // measured run, at ≈ 1 ms of CPU a search.
                await HttpLoad.RunAsync(service.Endpoint, new Repeat(requests, 10_000_000), 4, size.Warmup * 3);
                using var trace = Profiler.Attach(service, work, $"lookups-{Array.FindIndex(kinds, k => k.Name == name) + 1}");
                var run = await MeasureAsync(service, requests, 4, TimeSpan.FromSeconds(60), keepBodies: true);
                var found = Enumerable.Range(0, run.Sent).Count(i => run.Status[i] == 200 && run.Bodies[i] is { } b
                    && (b.Contains("\"orderNumber\"", StringComparison.Ordinal)));
                var row = Row.Of($"5. {name}, 4 connections", run, 0);
                row.Check = $"{found:N0} of {run.Sent:N0} found the order" + (row.Check is null ? "" : "; " + row.Check);
                report.Add(row);
                worst = Math.Max(worst, run.Latencies().P99Ms);
                Console.WriteLine($"      {name}: p50 {run.Latencies().P50Ms:N2} ms, p99 {run.Latencies().P99Ms:N2} ms; {row.Check}");
                if (found < run.Sent * 0.99)
                {
                    report.Failures.Add($"lookups: {name} found {found} of {run.Sent}");
                }

                // The same requests again at a fixed offered load. The run above goes as fast as the
                // service answers and shares two cores with the load generator, so its p99 is mostly
                // run-queue waiting, and a service that spends less CPU per search answers more of
                // them and runs hotter: in round 6 the statement cache cut a search's CPU by 10–20 %
                // and made that p99 worse, while at the same 2,000/s it made it better. This row
                // shows the latency at a load both builds carry; the target is still judged on the
                // run above.
                var paced = await MeasureAsync(service, requests, 4, TimeSpan.FromSeconds(60), pace: TimeSpan.FromSeconds(4.0 / LookupsPacedPerSecond));
                report.Add(Row.Of($"5. {name}, paced {LookupsPacedPerSecond:N0}/s", paced, 0));
            }

            report.LookupWorstP99Ms = worst;
        }

        private const int LookupsPacedPerSecond = 2_000;

        private static async Task<string> SignInAsync(string baseUrl)
        {
            using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false });
            using var page = await http.GetAsync(new Uri(baseUrl + "/support/sign-in"));
            var html = await page.Content.ReadAsStringAsync();
            var antiforgeryCookie = string.Join("; ", page.Headers.TryGetValues("Set-Cookie", out var set) ? set.Select(c => c.Split(';')[0]) : []);
            var marker = "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"";
            var at = html.IndexOf(marker, StringComparison.Ordinal);
            string token;
            if (at >= 0)
            {
                token = html[(at + marker.Length)..].Split('"')[0];
            }
            else
            {
                var alt = html.IndexOf("__RequestVerificationToken", StringComparison.Ordinal);
                var valueAt = html.IndexOf("value=\"", alt, StringComparison.Ordinal) + 7;
                token = html[valueAt..].Split('"')[0];
            }

            using var form = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl + "/support/sign-in"))
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["username"] = "perf",
                    ["password"] = StaffPassword,
                    ["returnUrl"] = "/support",
                    ["__RequestVerificationToken"] = token,
                }),
            };
            form.Headers.Add("Cookie", antiforgeryCookie);
            using var signedIn = await http.SendAsync(form);
            var session = signedIn.Headers.TryGetValues("Set-Cookie", out var cookies)
                ? cookies.Select(c => c.Split(';')[0]).FirstOrDefault(c => c.Contains("orders_support", StringComparison.Ordinal))
                : null;
            return session ?? throw new InvalidOperationException($"Support sign-in failed: {(int)signedIn.StatusCode}.");
        }

        // ---- the service --------------------------------------------------------------------------------
        private async Task<ManagedProcess> StartServiceAsync(string data, string name, bool webOnly, string? postgreSql = null)
        {
            Directory.CreateDirectory(data);
            var port = ManagedProcess.FreePort();
            var args = ServiceArgs(data, port).ToList();
            if (postgreSql is not null)
            {
                args.AddRange(["--Database:Provider=PostgreSql", $"--ConnectionStrings:Orders={postgreSql}"]);
            }
            if (webOnly)
            {
                args.Add("--Jobs:RunServer=false");
            }

            // For experiments: extra settings for the service, e.g. ORDERS_BENCH_SERVICE_ARGS="--Logging:LogLevel:Default=Warning".
            args.AddRange((Environment.GetEnvironmentVariable("ORDERS_BENCH_SERVICE_ARGS") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries));

            var service = ManagedProcess.Start(name, ServiceDll, args, ServiceEnv([]), Path.Combine(work, name + ".log"), port);
            try
            {
                await service.WaitReadyAsync("/health/live", TimeSpan.FromSeconds(120));
            }
            catch
            {
                service.Dispose();
                throw;
            }

            return service;
        }

        // The service as deployed, minus SQL Server: a non-Development environment, the embedded
        // SQLite file (WAL, synchronous=FULL), in-memory Hangfire, e-mails as .eml files, and the
        // PayPal adapter talking to the sandbox hosted by this runner.
        private IEnumerable<string> ServiceArgs(string data, int port) =>
        [
            $"--urls=http://127.0.0.1:{port}",
            $"--App:PublicBaseUrl=http://127.0.0.1:{port}",
            $"--Storage:DataDirectory={data}",
            "--Sandbox:Enabled=false",
            $"--PayPal:BaseUrl={paypal.ApiBase}",
            "--PayPal:ClientId=sandbox-client-id",
            "--PayPal:ClientSecret=sandbox-client-secret",
            $"--PayPal:WebhookId={PayPalSide.WebhookId}",
            "--RateLimits:CheckoutPerMinute=100000000",
        ];

        private static Dictionary<string, string> ServiceEnv(Dictionary<string, string> extra)
        {
            var env = new Dictionary<string, string>(extra)
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Staging",
                ["Security__TokenSecret"] = TokenSecret,
                ["Licensing__SigningKeyPem"] = SigningKeyPem,
            };
            if (Profiler.UsePerf)
            {
                env["DOTNET_PerfMapEnabled"] = "1";
                env["DOTNET_EnableWriteXorExecute"] = "0";
            }

            return env;
        }

        private static HashSet<string> StoredEventIds(string data)
        {
            using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "orders.db")};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT provider_event_id FROM webhook_inbox WHERE provider = 'paypal'";
            var ids = new HashSet<string>(StringComparer.Ordinal);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                ids.Add(reader.GetString(0));
            }

            return ids;
        }

        private static List<PaidEvent> Events(int count) =>
            Enumerable.Range(0, count).Select(_ => PaidEvent.For("ORD-" + PaidEvent.Id(12), PaidEvent.Id(17))).ToList();

        private static string CreateSigningKey()
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return key.ExportPkcs8PrivateKeyPem();
        }

        private static string FindRepoRoot()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Orders.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("Run from inside the repository (Orders.sln not found above the runner).");
        }
    }

    // How many licenses and sent e-mails the service's database holds.
    internal interface IProgressCounter : IDisposable
    {
        (long Licenses, long Sent) Read();
    }

    internal sealed class SqliteProgress : IProgressCounter
    {
        private readonly SqliteConnection connection;
        private readonly SqliteCommand command;

        public SqliteProgress(string path)
        {
            connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
            connection.Open();
            command = connection.CreateCommand();
            command.CommandText = "SELECT (SELECT COUNT(*) FROM licenses), (SELECT COUNT(*) FROM deliveries WHERE status = 'sent')";
        }

        public (long Licenses, long Sent) Read()
        {
            using var reader = command.ExecuteReader();
            reader.Read();
            return (reader.GetInt64(0), reader.GetInt64(1));
        }

        public void Dispose()
        {
            command.Dispose();
            connection.Dispose();
        }
    }

    // Cycles through the same requests (for the ceiling, where repeats cost nothing).
    internal sealed class Repeat(byte[][] items, int count) : IReadOnlyList<byte[]>
    {
        public byte[] this[int index] => items[index % items.Length];

        public int Count => count;

        public IEnumerator<byte[]> GetEnumerator() => Enumerable.Range(0, count).Select(i => this[i]).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
