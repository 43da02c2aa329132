using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Orders.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Orders.BrowserTests;

// axe-core on every page a customer, a support person or a payer sees, in each state that changes
// what is on it. Each test collects the findings of all its pages and fails once, listing them.
public sealed partial class AccessibilityTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private const string AdminPassword = "admin password for tests";

    private readonly OrdersApp app = new();
    private readonly List<string> violations = [];
    private IBrowserContext? context;

    [Fact]
    public async Task ShopPagesHaveNoSeriousAccessibilityViolations()
    {
        var pending = await Purchases.StartAsync(app, "pending@example.com", "Pat Pending");
        var paid = await Purchases.PaidAsync(app, "paid@example.com", "Paula Paid");
        var refunded = await Purchases.PaidAsync(app, "refunded@example.com", "Rita Refunded");
        var revoked = await Purchases.PaidAsync(app, "revoked@example.com", "Rob Revoked");
        var page = await OpenAsync();

        await CheckAsync(page, "/", "home page");
        await CheckAsync(page, "/buy/PHOTOSHRINK-PRO", "buy page");
        await page.GetByLabel("E-mail address").FillAsync("not-an-address");
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue to payment" }).ClickAsync();
        await Expect(page.GetByText("Enter the e-mail address the license should be sent to.")).ToBeVisibleAsync();
        await CheckHereAsync(page, "buy page with field errors");

        await CheckAsync(page, pending.StatusPath, "order status, pending");
        await Expect(page.GetByTestId("order-status")).ToHaveTextAsync("pending");
        await CheckAsync(page, paid.StatusPath, "order status, paid");
        await Expect(page.GetByTestId("license-key")).ToBeVisibleAsync();

        // Refunded and revoked by an admin through the staff API (the console's own calls).
        await StaffAccounts.AddAsync(app, "alice", "admin", AdminPassword);
        await using (var staff = await Axe.OpenAsync(chromium.Browser, app.ServerAddress))
        {
            var console = await staff.NewPageAsync();
            await StaffAccounts.SignInAsync(console, "alice", AdminPassword);
            var refund = await console.APIRequest.PostAsync($"/api/support/orders/{refunded.OrderNumber}/refund", new() { DataObject = new { reason = "test" } });
            Assert.True(refund.Ok, $"refund: {refund.Status} {await refund.TextAsync()}");
            var revoke = await console.APIRequest.PostAsync($"/api/support/orders/{revoked.OrderNumber}/revoke", new() { DataObject = new { reason = "test" } });
            Assert.True(revoke.Ok, $"revoke: {revoke.Status} {await revoke.TextAsync()}");

            // A privacy notice, so the consent page behind its e-mailed link can be checked too.
            var notice = await console.APIRequest.PostAsync("/api/support/notices", new()
            {
                DataObject = new
                {
                    subject = "May we ask you once a year?",
                    body = "We would like to send you one short survey a year.\n\nOnly if you agree.",
                    effectiveOn = DateTime.UtcNow.Date.AddDays(30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    respondBy = DateTime.UtcNow.Date.AddDays(14).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                },
            });
            Assert.True(notice.Ok, $"notice: {notice.Status} {await notice.TextAsync()}");
            var noticeId = (await notice.JsonAsync())!.Value.GetProperty("id").GetInt64();
            var send = await console.APIRequest.PostAsync($"/api/support/notices/{noticeId}/send", new() { DataObject = new { } });
            Assert.True(send.Ok, $"send notice: {send.Status} {await send.TextAsync()}");
        }

        await GotoUntilStatusAsync(page, refunded.StatusPath, "refunded");
        await CheckHereAsync(page, "order status, refunded");
        await GotoUntilStatusAsync(page, revoked.StatusPath, "paid");
        await Expect(page.GetByTestId("license-revoked")).ToBeVisibleAsync();
        await CheckHereAsync(page, "order status, license revoked");

        await CheckAsync(page, "/licenses/recover", "key recovery");
        await page.GetByLabel("E-mail address").FillAsync("someone@example.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "E-mail my license keys" }).ClickAsync();
        await Expect(page.GetByTestId("recovery-accepted")).ToBeVisibleAsync();
        await CheckHereAsync(page, "key recovery, sent");

        await CheckAsync(page, "/privacy", "privacy page");

        var mail = await Outbox.WaitForAsync(app, m => m.IsTo("paid@example.com") && ConsentLink().IsMatch(m.TextBody ?? ""), "with a privacy notice");
        await CheckAsync(page, new Uri(ConsentLink().Match(mail.TextBody!).Value).PathAndQuery, "privacy notice consent page");
        await page.GetByRole(AriaRole.Button, new() { Name = "I agree", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("saved")).ToBeVisibleAsync();
        await CheckHereAsync(page, "privacy notice consent page, answered");

        var notFound = await page.GotoAsync("/buy/UNKNOWN");
        Assert.Equal(404, notFound!.Status);
        await CheckHereAsync(page, "404 page");

        Axe.AssertNone(violations);
    }

    [Fact]
    public async Task SupportConsolePagesHaveNoSeriousAccessibilityViolations()
    {
        var order = await Purchases.PaidAsync(app, "ada@example.com", "Ada Lovelace");
        await StaffAccounts.AddAsync(app, "alice", "admin", AdminPassword);
        var page = await OpenAsync();

        await CheckAsync(page, "/support/sign-in", "console sign-in");
        await page.GetByLabel("Username").FillAsync("alice");
        await page.GetByLabel("Password").FillAsync("not the password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByTestId("sign-in-error")).ToBeVisibleAsync();
        await CheckHereAsync(page, "console sign-in, wrong password");

        await StaffAccounts.SignInAsync(page, "alice", AdminPassword);
        await CheckHereAsync(page, "console start page (recent orders)");
        await CheckAsync(page, "/support?q=ada%40example.com", "console search results");
        await CheckAsync(page, $"/support/orders/{order.OrderNumber}", "console order detail");

        Axe.AssertNone(violations);
    }

    [Fact]
    public async Task SandboxPayPagesHaveNoSeriousAccessibilityViolations()
    {
        var page = await OpenAsync();
        foreach (var (provider, name) in new[] { ("paypal", "PayPal pay page"), ("stripe", "Stripe pay page"), ("avangate", "reseller (2Checkout) pay page") })
        {
            var purchase = await Purchases.StartAsync(app, "ada@example.com", "Ada Lovelace", provider);
            await CheckAsync(page, purchase.PaymentPageUrl, name);
        }

        Axe.AssertNone(violations);
    }

    private async Task<IPage> OpenAsync()
    {
        context = await Axe.OpenAsync(chromium.Browser, app.ServerAddress);
        return await context.NewPageAsync();
    }

    private async Task CheckAsync(IPage page, string path, string what)
    {
        await page.GotoAsync(path);
        await CheckHereAsync(page, what);
    }

    private async Task CheckHereAsync(IPage page, string what) =>
        violations.AddRange(await Axe.SeriousViolationsAsync(page, what));

    // A refund or revocation is applied by a job: ask again (as the customer would) until it shows.
    private static async Task GotoUntilStatusAsync(IPage page, string path, string status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            await page.GotoAsync(path);
            var shown = (await page.GetByTestId("order-status").InnerTextAsync()).Trim();
            if (shown == status && (status != "paid" || await page.GetByTestId("license-revoked").CountAsync() > 0))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{path} still shows {shown}, not {status}, after 30 s.");
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

    [GeneratedRegex(@"https?://\S+/privacy/notices/\d+\?token=\S+")]
    private static partial Regex ConsentLink();
}
