using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Orders.BrowserTests.Infrastructure;
using Orders.Licensing;
using static Microsoft.Playwright.Assertions;

namespace Orders.BrowserTests;

// What happens to a license after the sale, driven through the pages people use: a refund in the
// support console that the customer's installed program learns about from the next revocation
// list, a key recovered by e-mail, an address corrected and the key resent, a licensee name
// corrected with a new key. Located by roles and labels, which the console keeps whatever renders it.
public sealed partial class AfterTheSaleTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private const string AdminPassword = "admin password for tests";
    private const string SupportPassword = "support password for tests";

    private readonly OrdersApp app = new();
    private IBrowserContext? context;

    [Fact]
    public async Task ARefundInTheConsoleMakesTheCustomersProgramRejectTheKeyWithTheNextRevocationList()
    {
        var order = await Purchases.PaidAsync(app, "ada@example.com", "Ada Lovelace");
        var program = new DesktopProgram(app);
        await program.FetchRevocationsAsync();
        var before = program.Check(order.LicenseKey);
        Assert.True(before.IsValid, before.Message);
        var listBefore = program.Revocations!.Sequence;

        await StaffAccounts.AddAsync(app, "alice", "admin", AdminPassword);
        var page = await OpenAsync();
        await StaffAccounts.SignInAsync(page, "alice", AdminPassword);
        await OpenOrderAsync(page, order.OrderNumber);
        await page.GetByRole(AriaRole.Link, new() { Name = "Refund…" }).ClickAsync();
        await page.GetByLabel("Note for the audit log").FillAsync("customer asked within 30 days");
        await page.GetByRole(AriaRole.Button, new() { NameRegex = RefundButton() }).ClickAsync();
        await Expect(page.GetByTestId("order-status")).ToHaveTextAsync("refunded");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Licenses" })).ToContainTextAsync("revoked");

        await program.FetchRevocationsAsync();
        Assert.True(program.Revocations!.Sequence > listBefore, "The revocation list did not move on after the refund.");
        var after = program.Check(order.LicenseKey);
        Assert.False(after.IsValid);
        Assert.Equal(LicenseInvalidReason.Revoked, after.Reason);

        // The customer's page says the same, without the key.
        await page.GotoAsync(order.StatusPath);
        await Expect(page.GetByTestId("order-status")).ToHaveTextAsync("refunded");
        await Expect(page.GetByTestId("license-key")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task KeyRecoveryEmailsTheKeyAndThePageAnswersAsForAnUnknownAddress()
    {
        var order = await Purchases.PaidAsync(app, "ada@example.com", "Ada Lovelace");
        var page = await OpenAsync();

        var unknown = await RecoverAsync(page, "nobody.here@example.com");
        var known = await RecoverAsync(page, "Ada@Example.com");

        Assert.Equal(unknown, known);
        Assert.Equal(202, known.Status);
        Assert.DoesNotContain("ORD1-", await page.ContentAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(order.LicenseKey, await page.ContentAsync(), StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Link, new() { Name = "Back to the shop" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Products" })).ToBeVisibleAsync();

        var mail = await Outbox.WaitForAsync(app, m => m.IsTo("ada@example.com") && m.Subject == "Your license key", "recovering the key");
        Assert.Contains(order.LicenseKey, mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SupportCorrectsTheEmailAddressThenResendsAndTheNewAddressGetsTheKey()
    {
        var order = await Purchases.PaidAsync(app, "ada@exmaple.com", "Ada Lovelace");
        await StaffAccounts.AddAsync(app, "sam", "support", SupportPassword);
        var page = await OpenAsync();
        await StaffAccounts.SignInAsync(page, "sam", SupportPassword);
        await OpenOrderAsync(page, order.OrderNumber);

        await page.GetByRole(AriaRole.Link, new() { Name = "Change e-mail…" }).ClickAsync();
        await page.GetByLabel("New e-mail address").FillAsync("ada@example.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change the e-mail address" }).ClickAsync();
        await Expect(page.GetByTestId("notice")).ToContainTextAsync("The e-mail address is changed");
        await Expect(page.GetByTestId("customer-email")).ToHaveTextAsync("ada@example.com");

        await page.GetByRole(AriaRole.Button, new() { Name = "Resend license e-mail" }).ClickAsync();
        await Expect(page.GetByTestId("notice")).ToContainTextAsync("on its way");
        var timeline = page.GetByRole(AriaRole.Region, new() { Name = "Timeline" });
        await Expect(timeline).ToContainTextAsync("Staff changed the e-mail address");
        await Expect(timeline).ToContainTextAsync("Staff resent the license e-mail");

        // One e-mail for the change, one for the resend; the mistyped address got only the first license e-mail.
        await WaitForMailCountAsync(m => m.IsTo("ada@example.com") && m.Mentions(order.LicenseKey), 2);
        Assert.Single(await Outbox.AllAsync(app), m => m.IsTo("ada@exmaple.com"));
    }

    [Fact]
    public async Task AnAdminCorrectsTheLicenseeAndTheOldKeyIsRevokedAndANewOneMailed()
    {
        var order = await Purchases.PaidAsync(app, "ada@example.com", "Ada Lovelance");
        var program = new DesktopProgram(app);
        await program.FetchRevocationsAsync();
        Assert.True(program.Check(order.LicenseKey).IsValid);

        await StaffAccounts.AddAsync(app, "alice", "admin", AdminPassword);
        var page = await OpenAsync();
        await StaffAccounts.SignInAsync(page, "alice", AdminPassword);
        await OpenOrderAsync(page, order.OrderNumber);
        await page.GetByRole(AriaRole.Link, new() { Name = "Correct licensee name…" }).ClickAsync();
        await Expect(page.GetByTestId("current-value")).ToHaveTextAsync("Ada Lovelance");
        await page.GetByLabel("Corrected licensee name").FillAsync("Ada Lovelace");
        await page.GetByRole(AriaRole.Button, new() { Name = "Correct the licensee name" }).ClickAsync();
        await Expect(page.GetByTestId("notice")).ToContainTextAsync("The licensee name is corrected");
        var licenses = page.GetByRole(AriaRole.Region, new() { Name = "Licenses" });
        await Expect(licenses).ToContainTextAsync("revoked");
        await Expect(licenses).ToContainTextAsync("active");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Timeline" })).ToContainTextAsync("Staff corrected the licensee name");

        var mail = await Outbox.WaitForAsync(app, m => m.IsTo("ada@example.com") && !m.Mentions(order.LicenseKey) && Purchases.LicenseKey().IsMatch(m.TextBody ?? ""),
            "with the new key");
        var newKey = Purchases.LicenseKey().Match(mail.TextBody!).Value;

        await program.FetchRevocationsAsync();
        Assert.Equal(LicenseInvalidReason.Revoked, program.Check(order.LicenseKey).Reason);
        var now = program.Check(newKey);
        Assert.True(now.IsValid, now.Message);
        Assert.Equal("Ada Lovelace", now.License!.LicenseeName);
    }

    private async Task<IPage> OpenAsync()
    {
        context = await chromium.Browser.NewContextAsync(new()
        {
            BaseURL = app.ServerAddress.ToString(),
            ViewportSize = new() { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    // As support does it: the order number in the search box, then the result's link.
    private static async Task OpenOrderAsync(IPage page, string orderNumber)
    {
        var box = page.GetByRole(AriaRole.Searchbox, new() { Name = "Find an order" });
        await box.FillAsync(orderNumber);
        await box.PressAsync("Enter");
        await page.GetByTestId("search-result").GetByRole(AriaRole.Link, new() { Name = orderNumber }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(orderNumber);
    }

    private sealed record RecoveryAnswer(int Status, string Heading, string Text);

    private static async Task<RecoveryAnswer> RecoverAsync(IPage page, string email)
    {
        await page.GotoAsync("/licenses/recover");
        await page.GetByLabel("E-mail address").FillAsync(email);
        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "E-mail my license keys" }).ClickAsync(),
            r => r.Request.Method == "POST");
        return new RecoveryAnswer(
            response.Status,
            await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync(),
            await page.GetByRole(AriaRole.Main).InnerTextAsync());
    }

    private async Task WaitForMailCountAsync(Func<MimeKit.MimeMessage, bool> matches, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await Outbox.AllAsync(app)).Count(matches) < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Fewer than {count} matching e-mails in {app.OutboxDirectory} after 30 s.");
            await Task.Delay(200);
        }
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (context is not null)
        {
            await context.CloseAsync();
        }

        await app.DisposeAsync();
        if (Directory.Exists(app.DataDirectory))
        {
            Directory.Delete(app.DataDirectory, recursive: true);
        }
    }

    [GeneratedRegex("^Refund ")]
    private static partial Regex RefundButton();
}
