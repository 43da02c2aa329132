using System.Net;
using System.Net.Sockets;
using System.Text;
using Orders.CrashHarness;

namespace Orders.Tests.Recovery;

// The crash and outage survival harness at CI size: the service and the PayPal sandbox as two
// processes, the service SIGKILLed three times while customers buy and webhooks and jobs are in
// flight; and, where a PostgreSQL server is given, three instances on one database killed in turn.
// The long runs are `dotnet run --project tests/Orders.CrashHarness -- --purchases 2000 --kills 5`
// and `… -- --database postgresql --instances 3 --purchases 2000 --kills 6`.
public sealed class CrashHarnessTests(ITestOutputHelper output)
{
    // A PostgreSQL server the multi-instance run may create a database on (an Npgsql connection string).
    public const string PostgreSqlVariable = "ORDERS_TEST_POSTGRESQL";

    [Fact]
    public async Task EveryPaymentEndsInOneLicenseAndOneEmailThoughTheServiceIsKilledRepeatedly()
    {
        var options = new HarnessOptions { Purchases = 30, Kills = 3, Concurrency = 4, Progress = new OutputWriter(output) };

        var report = await Harness.RunAsync(options, TestContext.Current.CancellationToken);

        output.WriteLine(report.ToText());
        Assert.True(report.Passed, report.ToText());
        Assert.Equal(3, report.Kills);
        Assert.Equal(3, report.Restarts);
        Assert.True(report.Approved > 0);
        Assert.Equal(report.Approved, report.PaidAtSandbox);
        Assert.Equal(report.Approved, report.PaidInService);
        Assert.Equal(report.PaidInService, report.ActiveLicenses);
        Assert.Equal(report.PaidInService, report.LicenseEmailsSent);
        Assert.Equal(report.PaidInService, report.EmailFiles);
    }

    [Fact]
    public async Task ThreeInstancesOnOnePostgreSqlDatabaseKilledInTurnStillEndEveryPaymentInOneLicenseAndOneEmail()
    {
        var server = Environment.GetEnvironmentVariable(PostgreSqlVariable);
        Assert.SkipWhen(string.IsNullOrWhiteSpace(server),
            $"No PostgreSQL server: set {PostgreSqlVariable} to an Npgsql connection string (a role that may create databases); .ci/run starts a throwaway cluster and sets it.");
        var options = new HarnessOptions
        {
            Purchases = 30,
            Kills = 3,
            Instances = 3,
            Concurrency = 6,
            Database = HarnessDatabase.PostgreSql,
            PostgreSqlConnectionString = server,
            Progress = new OutputWriter(output),
            QuiescenceTimeout = TimeSpan.FromMinutes(3),
        };
        // A killed instance's e-mail claims are released by the survivors once its heartbeat is
        // Instances:Timeout old; short here to keep CI short.
        options.ServiceSettings["Instances:HeartbeatInterval"] = "00:00:01";
        options.ServiceSettings["Instances:Timeout"] = "00:00:05";

        var report = await Harness.RunAsync(options, TestContext.Current.CancellationToken);

        output.WriteLine(report.ToText());
        Assert.True(report.Passed, report.ToText());
        Assert.Equal(3, report.Kills);
        Assert.Equal([1, 1, 1], report.KillsPerInstance);
        Assert.All(report.ConnectionsPerInstance, connections => Assert.True(connections > 0));
        Assert.True(report.Approved > 0);
        Assert.Equal(report.Approved, report.PaidAtSandbox);
        Assert.Equal(report.Approved, report.PaidInService);
        Assert.Equal(report.PaidInService, report.ActiveLicenses);
        Assert.Equal(report.PaidInService, report.LicenseEmailsSent);
        Assert.Equal(report.PaidInService, report.EmailFiles);
    }

    [Fact]
    public void SeveralInstancesAreRefusedOnSqlite()
    {
        var refused = Assert.Throws<ArgumentException>(() => HarnessOptions.Parse(["--instances", "3"]));

        Assert.Contains("--database postgresql", refused.Message, StringComparison.Ordinal);
        Assert.Equal(HarnessDatabase.PostgreSql, HarnessOptions.Parse(["--instances", "3", "--postgresql", "Host=127.0.0.1"]).Database);
    }

    [Fact]
    public async Task TheBalancerSpreadsConnectionsOverTheInstancesAndSkipsADeadOne()
    {
        using var a = new OneByteServer((byte)'A');
        using var b = new OneByteServer((byte)'B');
        var dead = ChildProcess.FreeLoopbackPort();
        await using var balancer = new LoopbackBalancer([a.Port, dead, b.Port]);

        List<char> answers = [];
        for (var i = 0; i < 6; i++)
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, balancer.Port, TestContext.Current.CancellationToken);
            var buffer = new byte[1];
            var read = await client.GetStream().ReadAsync(buffer, TestContext.Current.CancellationToken);
            Assert.Equal(1, read);
            answers.Add((char)buffer[0]);
        }

        Assert.Equal(3, answers.Count(c => c == 'A'));
        Assert.Equal(3, answers.Count(c => c == 'B'));
        Assert.Equal([3L, 0L, 3L], balancer.ConnectionsPerInstance);
    }

    [Fact]
    public void TheCheckReportsAnEmailWrittenTwiceUnlessAKillCaughtItsSenderAfterWritingIt()
    {
        var writes = new Dictionary<string, int>
        {
            ["00000001-license-ORD-AAAAAAAAAAAA.eml"] = 1,
            ["00000002-license-ORD-BBBBBBBBBBBB.eml"] = 2,
            ["00000003-license-ORD-CCCCCCCCCCCC.eml"] = 2,
        };
        var caughtByAKill = new HashSet<string>(StringComparer.Ordinal) { "00000002-license-ORD-BBBBBBBBBBBB.eml", "00000001-license-ORD-AAAAAAAAAAAA.eml" };

        var (explained, violations) = Verification.CheckResends(writes, caughtByAKill);

        Assert.Equal(1, explained);
        Assert.Equal(["e-mail sent twice: 00000003-license-ORD-CCCCCCCCCCCC.eml was written 2 times and no kill caught its sender between sending and recording it"], violations);
        Assert.Equal(3, Verification.DeliveryIdOf("00000003-license-ORD-CCCCCCCCCCCC.eml"));
    }

    // The check itself must be able to fail: each broken promise is reported.
    [Fact]
    public void TheCheckReportsLostPaymentsDoubleLicensesDoubleEmailsAndLicensesWithoutPayment()
    {
        using var outbox = new TempOutbox();
        var paidFine = Order(1, "ORD-AAAAAAAAAAAA", "PP-1", "paid");
        var paidTwice = Order(2, "ORD-BBBBBBBBBBBB", "PP-2", "paid");
        var paidNotApplied = Order(3, "ORD-CCCCCCCCCCCC", "PP-3", "pending");
        var unpaidLicensed = Order(4, "ORD-DDDDDDDDDDDD", "PP-4", "paid");
        var snapshot = new DatabaseSnapshot(
            [paidFine, paidTwice, paidNotApplied, unpaidLicensed],
            [License(1, "KEY-1"), License(2, "KEY-2"), new LicenseRecord(2, 1, "active", "KEY-2B"), License(4, "KEY-4")],
            [Sent(1), Sent(2), new DeliveryRecord(3, 2, "license", "sent", null), Sent(4)],
            []);
        var emails = new[]
        {
            outbox.Write(1, paidFine.OrderNumber, "KEY-1"),
            outbox.Write(2, paidTwice.OrderNumber, "KEY-2"),
            outbox.Write(3, paidTwice.OrderNumber, "KEY-2"),
            outbox.Write(4, unpaidLicensed.OrderNumber, "KEY-4"),
        };
        var atPayPal = new[] { Paid("PP-1"), Paid("PP-2"), Paid("PP-3"), Paid("PP-LOST"), Approved("PP-4"), Approved("PP-5") }.ToDictionary(s => s.Id);
        var purchases = new[] { Purchase(1, paidFine), Purchase(5, null, "PP-5") };

        var violations = Verification.Check(purchases, snapshot, atPayPal, emails).Violations;

        Assert.Contains(violations, v => v.StartsWith("payment lost: PayPal order PP-LOST", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("payment not applied: ORD-CCCCCCCCCCCC", StringComparison.Ordinal));
        Assert.Contains(violations, v => v == "ORD-BBBBBBBBBBBB: 2 active licenses on line 1, expected 1");
        Assert.Contains(violations, v => v.StartsWith("ORD-BBBBBBBBBBBB: license e-mails", StringComparison.Ordinal));
        Assert.Contains(violations, v => v == "ORD-BBBBBBBBBBBB: 2 .eml files, expected 1");
        Assert.Contains(violations, v => v.StartsWith("paid without payment: ORD-DDDDDDDDDDDD", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("license without payment: ORD-DDDDDDDDDDDD", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("e-mail without payment: ORD-DDDDDDDDDDDD", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("approved but never captured: purchase 5", StringComparison.Ordinal));
        Assert.DoesNotContain(violations, v => v.Contains("ORD-AAAAAAAAAAAA", StringComparison.Ordinal));
    }

    [Fact]
    public void TheCheckPassesPaidOrdersWithOneLicenseAndOneEmailAndUnpaidOrdersWithNeither()
    {
        using var outbox = new TempOutbox();
        var paid = Order(1, "ORD-AAAAAAAAAAAA", "PP-1", "paid");
        var unpaid = Order(2, "ORD-BBBBBBBBBBBB", "PP-2", "pending");
        var snapshot = new DatabaseSnapshot([paid, unpaid], [License(1, "KEY-1")], [Sent(1)], []);
        var emails = new[] { outbox.Write(1, paid.OrderNumber, "KEY-1") };
        var atPayPal = new[] { Paid("PP-1"), new PayPalOrderState("PP-2", true, "CREATED", []) }.ToDictionary(s => s.Id);

        var result = Verification.Check([Purchase(1, paid), Purchase(2, unpaid, approved: false)], snapshot, atPayPal, emails);

        Assert.Empty(result.Violations);
        Assert.Equal((1, 1, 1, 1), (result.PaidAtSandbox, result.PaidInService, result.ActiveLicenses, result.LicenseEmailsSent));
    }

    private static OrderRecord Order(long id, string number, string payPalId, string status) => new(id, number, payPalId, status, 1);

    private static LicenseRecord License(long orderId, string key) => new(orderId, 1, "active", key);

    private static DeliveryRecord Sent(long orderId) => new(orderId, orderId, "license", "sent", null);

    private static PayPalOrderState Paid(string id) => new(id, true, "COMPLETED", ["COMPLETED"]);

    private static PayPalOrderState Approved(string id) => new(id, true, "APPROVED", []);

    private static Purchase Purchase(int index, OrderRecord? order, string? payPalId = null, bool approved = true) => new()
    {
        Index = index,
        Sku = "PHOTOSHRINK-PRO",
        Quantity = 1,
        Email = $"buyer{index}@example.com",
        LicenseeName = "Buyer",
        IdempotencyKey = $"key-{index}",
        WillApprove = approved,
        WillReturn = false,
        GivesUpWhenUnanswered = false,
        ThinkMilliseconds = 0,
        OrderNumber = order?.OrderNumber,
        PayPalOrderId = order?.PayPalOrderId ?? payPalId,
        Approved = approved,
    };

    // Accepts connections and answers each with one byte, standing in for a service instance.
    private sealed class OneByteServer : IDisposable
    {
        private readonly TcpListener listener = new(IPAddress.Loopback, 0);

        public OneByteServer(byte answer)
        {
            listener.Start();
            _ = ServeAsync(answer);
        }

        public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

        private async Task ServeAsync(byte answer)
        {
            try
            {
                while (true)
                {
                    using var client = await listener.AcceptTcpClientAsync();
                    await client.GetStream().WriteAsync(new[] { answer });
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }

        public void Dispose() => listener.Stop();
    }

    private sealed class TempOutbox : IDisposable
    {
        public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("orders-harness-check-").FullName;

        public EmailFile Write(long deliveryId, string orderNumber, string key)
        {
            var path = Path.Combine(Directory, $"{deliveryId:D8}-license-{orderNumber}.eml");
            File.WriteAllText(path, $"Subject: license\r\n\r\nYour license key:\r\n\r\n{key}\r\n");
            return new EmailFile(path, "license", orderNumber);
        }

        public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
    }

    // The harness's progress lines, shown with the test's output.
    private sealed class OutputWriter(ITestOutputHelper output) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public override void WriteLine(string? value) => output.WriteLine(value ?? "");
    }
}
