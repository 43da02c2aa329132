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
        var clock = Stopwatch.StartNew();
        var progress = options.Progress;
        var root = RepositoryRoot();
        var serviceDll = Path.GetFullPath(options.ServiceDll ?? Path.Combine(root, "src", "Orders.Api", "bin", options.Configuration, "net10.0", "Orders.Api.dll"));
        var sandboxDll = Path.GetFullPath(options.SandboxDll ?? Path.Combine(root, "src", "Orders.Sandbox", "bin", options.Configuration, "net10.0", "Orders.Sandbox.dll"));
        await EnsureBuiltAsync(serviceDll, Path.Combine(root, "src", "Orders.Api", "Orders.Api.csproj"), options, cancellationToken);
        await EnsureBuiltAsync(sandboxDll, Path.Combine(root, "src", "Orders.Sandbox", "Orders.Sandbox.csproj"), options, cancellationToken);

        var work = Path.GetFullPath(options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "orders-crash-harness",
            $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{options.Seed}-{Guid.NewGuid().ToString("N")[..6]}"));
        var data = Path.Combine(work, "data");
        Directory.CreateDirectory(data);
        var servicePort = ChildProcess.FreeLoopbackPort();
        var sandboxPort = ChildProcess.FreeLoopbackPort();
        while (sandboxPort == servicePort)
        {
            sandboxPort = ChildProcess.FreeLoopbackPort();
        }

        var serviceBase = new Uri($"http://127.0.0.1:{servicePort}/");
        var sandboxApi = new Uri($"http://127.0.0.1:{sandboxPort}/sandbox/paypal/");
        Say(progress, $"seed {options.Seed}; {options.Purchases} purchases, {options.Kills} kills, concurrency {options.Concurrency}; work directory {work}");

        using var serviceHttp = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(5),
        }) { BaseAddress = serviceBase, Timeout = TimeSpan.FromSeconds(60) };
        using var sandboxHttp = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(60) };
        var sandbox = new PayPalSandbox(sandboxHttp, sandboxApi, ClientId, ClientSecret);
        var database = new ServiceDatabase(Path.Combine(data, "orders.db"));

        string[] sandboxArgs =
        [
            "--urls", $"http://127.0.0.1:{sandboxPort}",
            $"--Sandbox:PayPal:WebhookUrl={serviceBase}webhooks/paypal",
            // PayPal retries for three days; compressed, and never giving up within a run.
            "--Sandbox:PayPal:RetryDelaysSeconds:0=1",
            "--Sandbox:PayPal:RetryDelaysSeconds:1=1",
            "--Sandbox:PayPal:RetryDelaysSeconds:2=2",
            "--Sandbox:PayPal:RetryDelaysSeconds:3=3",
            "--Sandbox:PayPal:MaxDeliveryAttempts=100000",
            .. options.SandboxSettings.Select(setting => $"--{setting.Key}={setting.Value}"),
        ];
        string[] serviceArgs =
        [
            "--urls", $"http://127.0.0.1:{servicePort}",
            "--contentRoot", Path.GetDirectoryName(serviceDll)!,
            $"--Storage:DataDirectory={data}",
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
            .. options.ServiceSettings.Select(setting => $"--{setting.Key}={setting.Value}"),
        ];

        var service = new ServiceHost(serviceDll, serviceArgs, work, serviceHttp, progress);
        ChildProcess? sandboxProcess = null;
        var passed = false;
        try
        {
            sandboxProcess = ChildProcess.Start(sandboxDll, sandboxArgs, Path.GetDirectoryName(sandboxDll)!, Path.Combine(work, "sandbox.log"));
            await WaitUntilAsync(sandboxProcess, sandboxHttp, new Uri(sandboxApi, "_settings"), "the sandbox", cancellationToken);
            await service.StartAsync(cancellationToken);
            var products = await ProductsAsync(serviceHttp, cancellationToken);
            var purchases = Script(options, products);

            // Purchases and kills run side by side.
            var customers = new Customers(serviceHttp, sandbox, progress);
            var finished = 0;
            var allFinished = false;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var chaos = new Chaos(service, database, Path.Combine(data, "outbox"), options, () => Volatile.Read(ref finished), () => Volatile.Read(ref allFinished), progress);
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
            var webhooks = await sandbox.WebhookStatsAsync(cancellationToken);
            List<string> violations = [.. outboxProblems, .. result.Violations];
            if (!quiesced && violations.Count == 0)
            {
                violations.Add($"the service did not finish its work within {options.QuiescenceTimeout}");
            }

            var report = new HarnessReport
            {
                Seed = options.Seed,
                PurchasesStarted = purchases.Count,
                CheckoutsAnswered = purchases.Count(p => p.OrderNumber is not null),
                CheckoutsInterrupted = purchases.Count(p => p.CheckoutInterrupted),
                CustomersGaveUp = purchases.Count(p => p.GaveUp),
                LeftUnapproved = purchases.Count(p => p.OrderNumber is not null && !p.WillApprove),
                Approved = purchases.Count(p => p.Approved),
                ReturnedTo = purchases.Count(p => p.Returned),
                Kills = chaos.Kills,
                Restarts = chaos.Restarts,
                OrdersInService = result.OrdersInService,
                PaidAtSandbox = result.PaidAtSandbox,
                PaidInService = result.PaidInService,
                ActiveLicenses = result.ActiveLicenses,
                LicenseEmailsSent = result.LicenseEmailsSent,
                EmailFiles = result.EmailFiles,
                EventsUnprocessedAtKills = chaos.EventsUnprocessed,
                EmailsPendingAtKills = chaos.EmailsPending,
                EmailSendsCutOffByKills = chaos.EmailsSending,
                EmailsSentTwiceByKilledSenders = chaos.SentAgain(),
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
            await service.DisposeAsync();
            if (sandboxProcess is not null)
            {
                await sandboxProcess.DisposeAsync();
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

// The service process across its lives: same port, same data directory, a log file per life.
internal sealed class ServiceHost(string dll, IReadOnlyList<string> arguments, string work, HttpClient http, TextWriter? progress) : IAsyncDisposable
{
    private ChildProcess? current;
    private int lives;

    public async Task StartAsync(CancellationToken ct)
    {
        lives++;
        var started = Stopwatch.StartNew();
        current = ChildProcess.Start(dll, arguments, Path.GetDirectoryName(dll)!, Path.Combine(work, $"service-{lives}.log"));
        await Harness.WaitUntilAsync(current, http, new Uri("/health/ready", UriKind.Relative), "the service", ct);
        Harness.Say(progress, $"service life {lives} (pid {current.Id}) ready after {started.Elapsed.TotalSeconds:F1} s");
    }

    public async Task KillAsync()
    {
        if (current is not null)
        {
            await current.KillAsync();
            await current.DisposeAsync();
            current = null;
        }
    }

    public async ValueTask DisposeAsync() => await KillAsync();
}

// Kills the service at random moments while customers buy, and once more after the last purchase
// while webhooks and jobs are still in flight; each time it looks at what the kill caught in the
// database (the service is dead, so the file is still) and restarts the service after a short,
// random outage during which PayPal's webhook deliveries fail.
internal sealed class Chaos(ServiceHost service, ServiceDatabase database, string outbox, HarnessOptions options, Func<int> finished, Func<bool> allFinished, TextWriter? progress)
{
    private readonly HashSet<long> eventsUnprocessed = [];
    private readonly HashSet<long> emailsPending = [];
    private readonly HashSet<long> emailsSending = [];

    // E-mails a kill caught claimed ("sending") with their .eml file already written: the sender
    // died between sending and recording, so the e-mail goes out again (the only double the
    // promise allows). Each with the file as it was at the kill, to see that it was written again.
    private readonly Dictionary<long, string> sentButNotRecorded = [];

    public int Kills { get; private set; }
    public int Restarts { get; private set; }

    // Distinct rows: an e-mail cut off by one kill may still be claimed at the next.
    public int EventsUnprocessed => eventsUnprocessed.Count;
    public int EmailsPending => emailsPending.Count;
    public int EmailsSending => emailsSending.Count;

    public async Task RunAsync(CancellationToken ct)
    {
#pragma warning disable CA5394 // a seeded, reproducible schedule, not security
        var random = new Random(unchecked(options.Seed * 31 + 7));
        var plan = Enumerable.Range(0, options.Kills)
            .Select(i => options.Kills >= 2 && i == options.Kills - 1 ? double.PositiveInfinity : 0.05 + 0.9 * random.NextDouble())
            .Order()
            .ToList();
        foreach (var at in plan)
        {
            // Let the restarted service get busy again (its start-up sweep included) before the next kill.
            await Task.Delay(random.Next(200, 1200), ct);
            while (!allFinished() && finished() < at * options.Purchases)
            {
                await Task.Delay(10, ct);
            }

            await Task.Delay(random.Next(0, 300), ct);
            await service.KillAsync();
            Kills++;
            var caught = await CaughtAsync(ct);
            Harness.Say(progress, $"kill {Kills} after {finished()}/{options.Purchases} purchases: {caught}");
            await Task.Delay(random.Next(0, (int)options.MaxDowntime.TotalMilliseconds + 1), ct);
            await service.StartAsync(ct);
            Restarts++;
        }
#pragma warning restore CA5394
    }

    // Of the e-mails whose sender was killed between sending and recording, those written again
    // since (the pickup file of a delivery keeps its name; its content and time change).
    public int SentAgain() => sentButNotRecorded.Count(e => EmailFile(e.Key) is { } now && now != e.Value);

    // The pickup file of one delivery ({id:D8}-{kind}-{order}.eml): its write time and a digest.
    private string? EmailFile(long deliveryId)
    {
        var path = Directory.Exists(outbox) ? Directory.GetFiles(outbox, $"{deliveryId:D8}-*.eml").FirstOrDefault() : null;
        return path is null
            ? null
            : $"{File.GetLastWriteTimeUtc(path).Ticks}:{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)))}";
    }

    private async Task<string> CaughtAsync(CancellationToken ct)
    {
        try
        {
            var snapshot = await database.ReadAsync(ct);
            var pending = snapshot.Deliveries.Where(d => d.Status == "pending").Select(d => d.Id).ToList();
            // A send cut off by an earlier kill may be claimed again by the next; count each row once.
            var sending = snapshot.Deliveries.Where(d => d.Status == "sending" && !emailsSending.Contains(d.Id)).Select(d => d.Id).ToList();
            eventsUnprocessed.UnionWith(snapshot.UnprocessedEvents);
            emailsPending.UnionWith(pending);
            emailsSending.UnionWith(sending);
            var sentAlready = 0;
            foreach (var id in snapshot.Deliveries.Where(d => d.Status == "sending").Select(d => d.Id))
            {
                if (EmailFile(id) is { } written && !sentButNotRecorded.ContainsKey(id))
                {
                    sentButNotRecorded[id] = written;
                    sentAlready++;
                }
            }

            return $"{snapshot.UnprocessedEvents.Count} events unprocessed, {pending.Count} e-mails pending, {sending.Count} e-mail sends cut off ({sentAlready} of them after the e-mail was written)";
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            return $"(database unreadable while the service is dead: {e.Message})";
        }
    }
}
