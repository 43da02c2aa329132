using System.Text;
using Orders.CrashHarness;

namespace Orders.Tests.Recovery;

// The crash and outage survival harness at CI size: the service and the PayPal sandbox as two
// processes, the service SIGKILLed three times while customers buy and webhooks and jobs are in
// flight. The long run is `dotnet run --project tests/Orders.CrashHarness -- --purchases 2000 --kills 5`.
public sealed class CrashHarnessTests(ITestOutputHelper output)
{
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
