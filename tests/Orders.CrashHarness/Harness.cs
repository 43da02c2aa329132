using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Orders.CrashHarness;

// The crash and outage survival run: the PayPal sandbox and the service as two processes on
// loopback; customers buy through the sandbox's scripted endpoints while the service is killed
// with SIGKILL at random moments and restarted on the same port and data directory; then, once the
// service has caught up, PayPal's view of the money is compared with the service's database and
// outbox. The sandbox is never killed: like PayPal it keeps retrying webhooks the service missed.
public static class Harness
{
    private const string ClientId = "sandbox-client-id";
    private const string ClientSecret = "sandbox-client-secret";
    private const string WebhookId = "WH-ORDERS-SANDBOX";
    private static readonly TimeSpan StartupPatience = TimeSpan.FromSeconds(120);

    public static async Task<HarnessReport> RunAsync(HarnessOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = Stopwatch.StartNew();
        var progress = options.Progress;
        var root = RepositoryRoot();
        var serviceDll = Path.GetFullPath(options.ServiceDll ?? Path.Combine(root, "src", "Orders.Api", "bin", options.Configuration, "net10.0", "Orders.Api.dll"));
        var sandboxDll = Path.GetFullPath(options.SandboxDll ?? Path.Combine(root, "src", "Orders.Sandbox", "bin", options.Configuration, "net10.0", "Orders.Sandbox.dll"));
        await EnsureBuiltAsync(serviceDll, Path.Combine(root, "src", "Orders.Api", "Orders.Api.csproj"), options, cancellationToken);
        await EnsureBuiltAsync(sandboxDll, Path.Combine(root, "src", "Orders.Sandbox", "Orders.Sandbox.csproj"), options, cancellationToken);

        var work = Path.GetFullPath(options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "orders-crash-harness",
            $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{options.Seed}-{Guid.NewGuid().ToString("N")[..6]}"));
        // One data directory for every instance: the same outbox, generated keys and secrets, as a
        // shared volume gives them in production.
        var data = Path.Combine(work, "data");
        Directory.CreateDirectory(data);
        HashSet<int> ports = [];
        while (ports.Count < options.Instances + 1)
        {
            ports.Add(ChildProcess.FreeLoopbackPort());
        }

        var sandboxPort = ports.First();
        var instancePorts = ports.Skip(1).ToList();
        await using var balancer = new LoopbackBalancer(instancePorts);
        // Customers, PayPal's return and webhooks all come through the balancer, as through a load balancer.
        var publicBase = new Uri($"http://127.0.0.1:{balancer.Port}/");
        var sandboxApi = new Uri($"http://127.0.0.1:{sandboxPort}/sandbox/paypal/");
        Say(progress, $"seed {options.Seed}; {options.Purchases} purchases, {options.Kills} kills, {options.Instances} instance(s) on {options.Database}, "
            + $"concurrency {options.Concurrency}; work directory {work}");

        using var serviceHttp = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(5),
        }) { BaseAddress = publicBase, Timeout = TimeSpan.FromSeconds(60) };
        using var sandboxHttp = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(60) };
        var sandbox = new PayPalSandbox(sandboxHttp, sandboxApi, ClientId, ClientSecret);

        PostgreSqlServer? postgres = null;
        ChildProcess? sandboxProcess = null;
        List<ServiceHost> instances = [];
        var passed = false;
        try
        {
            ServiceDatabase database;
            List<string> databaseArgs = [];
            if (options.Database == HarnessDatabase.PostgreSql)
            {
                postgres = await PostgreSqlServer.StartAsync(options.PostgreSqlConnectionString, m => Say(progress, m), cancellationToken);
                var connectionString = await postgres.CreateDatabaseAsync($"orders_harness_{options.Seed}_{Guid.NewGuid().ToString("N")[..8]}", cancellationToken);
                database = new PostgreSqlServiceDatabase(connectionString);
                databaseArgs = ["--Database:Provider=PostgreSql", $"--ConnectionStrings:Orders={connectionString}", $"--Database:ConnectionString={connectionString}"];
            }
            else
            {
                database = new SqliteServiceDatabase(Path.Combine(data, "orders.db"));
            }

            string[] sandboxArgs =
            [
                "--urls", $"http://127.0.0.1:{sandboxPort}",
                $"--Sandbox:PayPal:WebhookUrl={publicBase}webhooks/paypal",
                // PayPal retries for three days; compressed, and never giving up within a run.
                "--Sandbox:PayPal:RetryDelaysSeconds:0=1",
                "--Sandbox:PayPal:RetryDelaysSeconds:1=1",
                "--Sandbox:PayPal:RetryDelaysSeconds:2=2",
                "--Sandbox:PayPal:RetryDelaysSeconds:3=3",
                "--Sandbox:PayPal:MaxDeliveryAttempts=100000",
                .. options.SandboxSettings.Select(setting => $"--{setting.Key}={setting.Value}"),
            ];
            string[] ServiceArgs(int port) =>
            [
                "--urls", $"http://127.0.0.1:{port}",
                "--contentRoot", Path.GetDirectoryName(serviceDll)!,
                $"--Storage:DataDirectory={data}",
                $"--App:PublicBaseUrl={publicBase.AbsoluteUri.TrimEnd('/')}",
                "--Sandbox:Enabled=false",
                $"--PayPal:BaseUrl={sandboxApi.AbsoluteUri.TrimEnd('/')}",
                $"--PayPal:ClientId={ClientId}",
                $"--PayPal:ClientSecret={ClientSecret}",
                $"--PayPal:WebhookId={WebhookId}",
                // Every customer comes from 127.0.0.1: one rate-limit partition for all of them.
                "--RateLimits:CheckoutPerMinute=1000000",
                // Pending orders are asked about at PayPal early, so reconciliation can help after kills.
                "--Maintenance:ReconcileAfter=00:00:05",
                "--Logging:LogLevel:Default=Warning",
                "--Logging:LogLevel:Orders=Information",
                .. databaseArgs,
                .. options.ServiceSettings.Select(setting => $"--{setting.Key}={setting.Value}"),
            ];

            instances = [.. instancePorts.Select((port, i) => new ServiceHost(i + 1, port, serviceDll, ServiceArgs(port), work, progress))];
            sandboxProcess = ChildProcess.Start(sandboxDll, sandboxArgs, Path.GetDirectoryName(sandboxDll)!, Path.Combine(work, "sandbox.log"));
            await WaitUntilAsync(sandboxProcess, sandboxHttp, new Uri(sandboxApi, "_settings"), "the sandbox", cancellationToken);
            // The first instance migrates and generates the shared keys; the others start together after it.
            await instances[0].StartAsync(cancellationToken);
            await Task.WhenAll(instances.Skip(1).Select(instance => instance.StartAsync(cancellationToken)));
            var products = await ProductsAsync(serviceHttp, cancellationToken);
            var purchases = Script(options, products);
            using var outbox = new OutboxWatcher(data);

            // Purchases and kills run side by side.
            var customers = new Customers(serviceHttp, sandbox, progress);
            var finished = 0;
            var allFinished = false;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var chaos = new Chaos(instances, database, Path.Combine(data, "outbox"), options, () => Volatile.Read(ref finished), () => Volatile.Read(ref allFinished), progress);
            var chaosRun = RunChaosAsync();
            async Task RunChaosAsync()
            {
                try
                {
                    await chaos.RunAsync(stop.Token);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A service that does not come back stops the customers at once.
                    await stop.CancelAsync();
                    throw;
                }
            }

            try
            {
                await Parallel.ForEachAsync(purchases, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = stop.Token }, async (purchase, ct) =>
                {
                    await customers.BuyAsync(purchase, ct);
                    var done = Interlocked.Increment(ref finished);
                    if (done % Math.Max(1, options.Purchases / 10) == 0)
                    {
                        Say(progress, $"{done}/{options.Purchases} purchases done");
                    }
                });
                Volatile.Write(ref allFinished, true);
            }
            catch
            {
                await stop.CancelAsync();
                throw;
            }
            finally
            {
                try
                {
                    await chaosRun;
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // The purchases failed; their exception is the one that matters.
                }
            }

            var purchasePhase = clock.Elapsed;
            Say(progress, $"purchases done in {purchasePhase.TotalSeconds:F1} s; {chaos.Kills} kills; waiting for the service to catch up");

            var quiescenceStarted = clock.Elapsed;
            var quiesced = await WaitForQuiescenceAsync(purchases, sandbox, database, options, progress, cancellationToken);
            var quiescenceWait = clock.Elapsed - quiescenceStarted;

            // The final comparison: everything the service and PayPal know about.
            var snapshot = await database.ReadAsync(cancellationToken);
            var ids = purchases.Select(p => p.PayPalOrderId).Concat(snapshot.Orders.Select(o => o.PayPalOrderId))
                .OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            var atPayPal = new Dictionary<string, PayPalOrderState>(StringComparer.Ordinal);
            foreach (var id in ids)
            {
                atPayPal[id] = await sandbox.GetOrderAsync(id, cancellationToken);
            }

            List<string> outboxProblems = [];
            var emails = Verification.ReadOutbox(Path.Combine(data, "outbox"), outboxProblems);
            var result = Verification.Check(purchases, snapshot, atPayPal, emails);
            var resends = Verification.CheckResends(outbox.Writes, chaos.SentBeforeSenderDied);
            var webhooks = await sandbox.WebhookStatsAsync(cancellationToken);
            List<string> violations = [.. outboxProblems, .. result.Violations, .. resends.Violations];
            if (outbox.Overflowed)
            {
                violations.Add("the outbox watcher missed events (inotify queue overflow), so e-mails sent twice cannot be ruled out");
            }

            if (!quiesced && violations.Count == 0)
            {
                violations.Add($"the service did not finish its work within {options.QuiescenceTimeout}");
            }

            var report = new HarnessReport
            {
                Seed = options.Seed,
                Database = options.Database.ToString(),
                Instances = options.Instances,
                PurchasesStarted = purchases.Count,
                CheckoutsAnswered = purchases.Count(p => p.OrderNumber is not null),
                CheckoutsInterrupted = purchases.Count(p => p.CheckoutInterrupted),
                CustomersGaveUp = purchases.Count(p => p.GaveUp),
                LeftUnapproved = purchases.Count(p => p.OrderNumber is not null && !p.WillApprove),
                Approved = purchases.Count(p => p.Approved),
                ReturnedTo = purchases.Count(p => p.Returned),
                Kills = chaos.Kills,
                Restarts = chaos.Restarts,
                KillsPerInstance = [.. instances.Select(i => i.Kills)],
                ConnectionsPerInstance = balancer.ConnectionsPerInstance,
                OrdersInService = result.OrdersInService,
                PaidAtSandbox = result.PaidAtSandbox,
                PaidInService = result.PaidInService,
                ActiveLicenses = result.ActiveLicenses,
                LicenseEmailsSent = result.LicenseEmailsSent,
                EmailFiles = result.EmailFiles,
                EmailsWrittenTwiceAfterSenderDied = resends.Explained,
                EventsUnprocessedAtKills = chaos.EventsUnprocessed,
                EmailsPendingAtKills = chaos.EmailsPending,
                EmailSendsCutOffByKills = chaos.EmailsSending,
                ServerErrors = customers.ServerErrors,
                WebhookEvents = webhooks.Events,
                WebhookAttempts = webhooks.Attempts,
                WebhookDeliveriesRetried = webhooks.Retried,
                WebhooksGivenUp = webhooks.GaveUp,
                Quiesced = quiesced,
                PurchasePhase = purchasePhase,
                QuiescenceWait = quiescenceWait,
                Elapsed = clock.Elapsed,
                WorkDirectory = work,
                Violations = violations,
            };
            passed = report.Passed;
            return report;
        }
        finally
        {
            foreach (var instance in instances)
            {
                await instance.DisposeAsync();
            }

            if (sandboxProcess is not null)
            {
                await sandboxProcess.DisposeAsync();
            }

            // A throwaway cluster always goes; a database on a given server stays after a failed run, for a look.
            if (postgres is not null && (postgres.IsThrowaway || (passed && !options.KeepWorkDirectory)))
            {
                await postgres.DisposeAsync();
            }
            else if (postgres is not null)
            {
                Say(progress, "the run's database is kept on the given PostgreSQL server");
            }

            if (passed && !options.KeepWorkDirectory)
            {
                TryDelete(work);
            }
        }
    }

    // After the last restart the service owes: a capture for every approved order (the APPROVED
    // webhook, retried by PayPal), a paid order for every capture, and a sent e-mail for every
    // license. Waits until it has paid all of it, or the bound runs out.
    private static async Task<bool> WaitForQuiescenceAsync(
        IReadOnlyList<Purchase> purchases, PayPalSandbox sandbox, ServiceDatabase database, HarnessOptions options, TextWriter? progress, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + options.QuiescenceTimeout;
        var nextReport = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        HashSet<string> paidAtPayPal = new(StringComparer.Ordinal);
        var approved = purchases.Where(p => p.Approved).Select(p => p.PayPalOrderId!).ToList();
        while (true)
        {
            foreach (var id in approved.Where(id => !paidAtPayPal.Contains(id)))
            {
                // Paid is final here (nobody refunds in this run), so each order is asked until it is.
                if ((await sandbox.GetOrderAsync(id, ct)).Paid)
                {
                    paidAtPayPal.Add(id);
                }
            }

            var snapshot = await database.ReadAsync(ct);
            var paidHere = snapshot.Orders.Where(o => o.Status == "paid").Select(o => o.PayPalOrderId).OfType<string>().ToHashSet(StringComparer.Ordinal);
            var notCaptured = approved.Count - paidAtPayPal.Count;
            var notApplied = paidAtPayPal.Count(id => !paidHere.Contains(id));
            var unsent = snapshot.Deliveries.Where(d => d.Status is "pending" or "sending").ToList();
            if (notCaptured == 0 && notApplied == 0 && unsent.Count == 0 && snapshot.UnprocessedEvents.Count == 0)
            {
                return true;
            }

            if (DateTime.UtcNow > deadline)
            {
                Say(progress, $"gave up waiting: {notCaptured} approved not captured, {notApplied} captured not paid here, {unsent.Count} e-mails unsent, {snapshot.UnprocessedEvents.Count} events unprocessed");
                return false;
            }

            if (DateTime.UtcNow > nextReport)
            {
                var claims = unsent.Where(d => d.Status == "sending").Select(d => d.ClaimedUntil).OfType<string>().Order(StringComparer.Ordinal).LastOrDefault();
                Say(progress, $"waiting: {notCaptured} approved not captured, {notApplied} captured not paid here, {unsent.Count} e-mails unsent"
                    + (claims is null ? "" : $" (a cut-off send is claimed until {claims} UTC)") + $", {snapshot.UnprocessedEvents.Count} events unprocessed");
                nextReport = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            }

            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }

    private static List<Purchase> Script(HarnessOptions options, IReadOnlyList<Product> products)
    {
#pragma warning disable CA5394 // a seeded, reproducible script, not security
        var random = new Random(options.Seed);
        return [.. Enumerable.Range(1, options.Purchases).Select(i =>
        {
            var approve = random.NextDouble() >= options.UnapprovedShare;
            return new Purchase
            {
                Index = i,
                Sku = products[random.Next(products.Count)].Sku,
                Quantity = random.Next(1, 4),
                Email = $"buyer{i}.s{options.Seed}@example.com",
                LicenseeName = $"Harness Buyer {i}",
                IdempotencyKey = $"crash-harness-{options.Seed}-{i}-{Guid.NewGuid():N}",
                WillApprove = approve,
                WillReturn = approve && random.NextDouble() < options.ReturnShare,
                GivesUpWhenUnanswered = random.NextDouble() < options.GiveUpShare,
                ThinkMilliseconds = random.Next(0, 30),
            };
        })];
#pragma warning restore CA5394
    }

    private static async Task<IReadOnlyList<Product>> ProductsAsync(HttpClient service, CancellationToken ct)
    {
        using var response = await service.GetAsync(new Uri("/api/products", UriKind.Relative), ct);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        var products = json.RootElement.EnumerateArray().Select(p => new Product(p.GetProperty("sku").GetString()!)).ToList();
        return products.Count > 0 ? products : throw new HarnessException("The service's catalog is empty: is appsettings.json next to Orders.Api.dll?");
    }

    internal static async Task WaitUntilAsync(ChildProcess process, HttpClient http, Uri probe, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + StartupPatience;
        while (true)
        {
            if (process.HasExited)
            {
                throw new HarnessException($"{what} exited while starting. Last lines of {process.LogPath}:\n{process.Tail(30)}");
            }

            try
            {
                using var response = await http.GetAsync(probe, ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or IOException or TaskCanceledException)
            {
                // not listening yet
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new HarnessException($"{what} was not ready within {StartupPatience}. Last lines of {process.LogPath}:\n{process.Tail(30)}");
            }

            await Task.Delay(100, ct);
        }
    }

    private static async Task EnsureBuiltAsync(string dll, string project, HarnessOptions options, CancellationToken ct)
    {
        if (File.Exists(dll))
        {
            return;
        }

        if (!File.Exists(project))
        {
            throw new HarnessException($"{dll} does not exist and there is no {project} to build it from.");
        }

        Say(options.Progress, $"{Path.GetFileName(dll)} is missing: dotnet build {project} -c {options.Configuration}");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "build", project, "-c", options.Configuration, "--nologo", "-v", "q" })
        {
            start.ArgumentList.Add(argument);
        }

        using var build = Process.Start(start) ?? throw new HarnessException("Could not start dotnet build.");
        var output = build.StandardOutput.ReadToEndAsync(ct);
        var errors = build.StandardError.ReadToEndAsync(ct);
        await build.WaitForExitAsync(ct);
        if (build.ExitCode != 0 || !File.Exists(dll))
        {
            throw new HarnessException($"dotnet build {project} failed:\n{await output}\n{await errors}");
        }
    }

    private static string RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Orders.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new HarnessException("Cannot find the repository root (the folder with Orders.sln); pass --service-dll and --sandbox-dll.");
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is not worth failing a passed run for.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    internal static void Say(TextWriter? progress, string message) =>
        progress?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{DateTime.UtcNow:HH:mm:ss.f}] {message}"));
}

// One service instance across its lives: same port, same data directory, a log file per life.
internal sealed class ServiceHost(int number, int port, string dll, IReadOnlyList<string> arguments, string work, TextWriter? progress) : IAsyncDisposable
{
    // Readiness is asked of this instance directly, not through the balancer.
    private readonly HttpClient http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, ConnectTimeout = TimeSpan.FromSeconds(5) })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
        Timeout = TimeSpan.FromSeconds(10),
    };

    private ChildProcess? current;
    private int lives;

    public int Number => number;

    public int Kills { get; private set; }

    public bool IsRunning => current is not null;

    public async Task StartAsync(CancellationToken ct)
    {
        lives++;
        var started = Stopwatch.StartNew();
        current = ChildProcess.Start(dll, arguments, Path.GetDirectoryName(dll)!, Path.Combine(work, $"service{number}-{lives}.log"));
        await Harness.WaitUntilAsync(current, http, new Uri("/health/ready", UriKind.Relative), $"service instance {number}", ct);
        Harness.Say(progress, $"instance {number} life {lives} (pid {current.Id}) ready after {started.Elapsed.TotalSeconds:F1} s");
    }

    public async Task KillAsync()
    {
        if (current is not null)
        {
            Kills++;
            await current.KillAsync();
            await current.DisposeAsync();
            current = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (current is not null)
        {
            await current.DisposeAsync();
            current = null;
        }

        http.Dispose();
    }
}

// Kills service instances at random moments while customers buy, and once more after the last
// purchase while webhooks and jobs are still in flight; the victims take turns in a shuffled order,
// so kills spread over the instances while the others keep serving. After each kill it looks at
// what the kill caught in the database and restarts the victim after a short, random outage.
internal sealed class Chaos(
    IReadOnlyList<ServiceHost> instances, ServiceDatabase database, string outbox, HarnessOptions options,
    Func<int> finished, Func<bool> allFinished, TextWriter? progress)
{
    private readonly HashSet<long> eventsUnprocessed = [];
    private readonly HashSet<long> emailsPending = [];
    private readonly HashSet<long> emailsSending = [];
    private readonly HashSet<string> sentBeforeSenderDied = new(StringComparer.Ordinal);

    public int Kills { get; private set; }
    public int Restarts { get; private set; }

    // Distinct rows: an e-mail cut off by one kill may still be claimed at the next.
    public int EventsUnprocessed => eventsUnprocessed.Count;
    public int EmailsPending => emailsPending.Count;
    public int EmailsSending => emailsSending.Count;

    // .eml files already written for a delivery that was still `sending` right after a kill: the
    // sender may have died between writing the file and recording the send, and the e-mail may
    // then be sent again once the claim is released. With several instances, a live instance's send
    // in that same moment is included too; the check only uses this to explain a second write.
    public IReadOnlySet<string> SentBeforeSenderDied => sentBeforeSenderDied;

    public async Task RunAsync(CancellationToken ct)
    {
#pragma warning disable CA5394 // a seeded, reproducible schedule, not security
        var random = new Random(unchecked(options.Seed * 31 + 7));
        var plan = Enumerable.Range(0, options.Kills)
            .Select(i => options.Kills >= 2 && i == options.Kills - 1 ? double.PositiveInfinity : 0.05 + 0.9 * random.NextDouble())
            .Order()
            .ToList();
        Queue<ServiceHost> turns = [];
        foreach (var at in plan)
        {
            // Let the restarted instance get busy again (its start-up sweep included) before the next kill.
            await Task.Delay(random.Next(200, 1200), ct);
            while (!allFinished() && finished() < at * options.Purchases)
            {
                await Task.Delay(10, ct);
            }

            if (turns.Count == 0)
            {
                var round = instances.ToArray();
                random.Shuffle(round);
                turns = new Queue<ServiceHost>(round);
            }

            var victim = turns.Dequeue();
            await Task.Delay(random.Next(0, 300), ct);
            await victim.KillAsync();
            Kills++;
            var caught = await CaughtAsync(ct);
            Harness.Say(progress, $"kill {Kills} (instance {victim.Number}) after {finished()}/{options.Purchases} purchases: {caught}");
            await Task.Delay(random.Next(0, (int)options.MaxDowntime.TotalMilliseconds + 1), ct);
            await victim.StartAsync(ct);
            Restarts++;
        }
#pragma warning restore CA5394
    }

    private async Task<string> CaughtAsync(CancellationToken ct)
    {
        try
        {
            var written = Directory.Exists(outbox)
                ? Directory.EnumerateFiles(outbox, "*.eml").Select(Path.GetFileName).OfType<string>().ToList()
                : [];
            var snapshot = await database.ReadAsync(ct);
            var pending = snapshot.Deliveries.Where(d => d.Status == "pending").Select(d => d.Id).ToList();
            // A send cut off by an earlier kill may be claimed again by the next; count each row once.
            var sending = snapshot.Deliveries.Where(d => d.Status == "sending" && !emailsSending.Contains(d.Id)).Select(d => d.Id).ToList();
            var sendingIds = snapshot.Deliveries.Where(d => d.Status == "sending").Select(d => d.Id).ToHashSet();
            var alreadyWritten = written.Where(name => Verification.DeliveryIdOf(name) is { } id && sendingIds.Contains(id)).ToList();
            eventsUnprocessed.UnionWith(snapshot.UnprocessedEvents);
            emailsPending.UnionWith(pending);
            emailsSending.UnionWith(sending);
            sentBeforeSenderDied.UnionWith(alreadyWritten);
            return $"{snapshot.UnprocessedEvents.Count} events unprocessed, {pending.Count} e-mails pending, {sending.Count} e-mail sends in flight"
                + $" ({alreadyWritten.Count} already written)";
        }
        catch (Exception e) when (ServiceDatabase.IsTransient(e))
        {
            return $"(database unreadable just after the kill: {e.Message})";
        }
    }
}
