using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;
using MimeKit;
using Orders.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Orders.BrowserTests;

// A support person in a real browser: signs in, finds the customer's order from what the customer
// has at hand, resends the license, signs out; and the walls around it (throttled sign-in, roles, sign-in).
// Staff accounts are created the way an operator creates them: the service's `staff add` command.
public sealed partial class SupportConsoleTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private const string AdminPassword = "admin password for tests";
    private const string SupportPassword = "support password for tests";
    private static readonly string ScreenshotDirectory = Path.Combine(AppContext.BaseDirectory, "screenshots");

    private readonly OrdersApp app = new();
    private IBrowserContext? context;

    [Fact]
    public async Task SupportFindsTheOrderByEmailAndCaptureIdResendsTheLicenseAndSignsOut()
    {
        var order = await PaidOrderAsync("ada.lovelace@example.com", "Ada Lovelace");
        await AddStaffAsync("sam", "support", SupportPassword);
        var page = await OpenAsync();

        await SignInAsync(page, "sam", SupportPassword);
        await Expect(page.GetByRole(AriaRole.Searchbox, new() { Name = "Find an order" })).ToBeFocusedAsync();

        // By e-mail, typed the way the customer wrote it.
        await SearchAsync(page, "Ada.Lovelace@Example.COM");
        var row = page.GetByTestId("search-result");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync(order.OrderNumber);
        await Expect(row).ToContainTextAsync("ada.lovelace@example.com");
        await ScreenshotAsync(page, "search-by-email");

        // By the PayPal transaction id from the customer's PayPal receipt.
        await SearchAsync(page, order.CaptureId);
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync("PayPal capture id");
        await row.GetByRole(AriaRole.Link, new() { Name = order.OrderNumber }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(order.OrderNumber);
        await Expect(page.GetByTestId("order-status")).ToHaveTextAsync("paid");
        await Expect(page.GetByTestId("customer-email")).ToHaveTextAsync("ada.lovelace@example.com");
        await Expect(page.GetByTestId("provider-transaction-ref")).ToHaveTextAsync(order.CaptureId);
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Timeline" })).ToContainTextAsync("License issued");

        await page.GetByRole(AriaRole.Button, new() { Name = "Resend license e-mail" }).ClickAsync();
        await Expect(page.GetByTestId("notice")).ToContainTextAsync("on its way");
        await Expect(page.GetByTestId("delivery")).ToHaveCountAsync(2);
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Timeline" })).ToContainTextAsync("Staff resent the license e-mail");
        var resent = await WaitForMailAsync(f => f.Contains("-resend-", StringComparison.Ordinal));
        Assert.Equal("ada.lovelace@example.com", Assert.Single(resent.To.Mailboxes).Address);
        Assert.Contains(order.LicenseKey, resent.TextBody, StringComparison.Ordinal);

        await page.ReloadAsync();
        await ScreenshotAsync(page, "order");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/support/sign-in"));
        await Expect(page.GetByText("You are signed out.")).ToBeVisibleAsync();
        await page.GotoAsync($"/support/orders/{order.OrderNumber}");
        await Expect(page).ToHaveURLAsync(new Regex("/support/sign-in"));
    }

    [Fact]
    public async Task WrongPasswordsSlowSignInDownWithoutLockingTheAccount()
    {
        await AddStaffAsync("sam", "support", SupportPassword);
        var page = await OpenAsync();
        await page.GotoAsync("/support/sign-in");

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await SubmitSignInAsync(page, "sam", $"not my password {attempt}");
            await Expect(page.GetByTestId("sign-in-error")).ToHaveTextAsync("Wrong username or password.");
        }

        // Now every attempt waits, the right password too (it is not even checked): no answer tells
        // a guess apart, and nothing is locked.
        await SubmitSignInAsync(page, "sam", SupportPassword);
        await Expect(page.GetByTestId("sign-in-error")).ToContainTextAsync("Too many failed sign-ins");
        await Expect(page.GetByTestId("sign-in-error")).ToContainTextAsync("try again");
        await ScreenshotAsync(page, "sign-in-throttled");
    }

    [Fact]
    public async Task ASupportUserSeesNoRevokeOrRefundAndIsRefusedIfTheyPostAnyway()
    {
        var order = await PaidOrderAsync("grace@example.net", "Grace Hopper");
        await AddStaffAsync("sam", "support", SupportPassword);
        var page = await OpenAsync();
        await SignInAsync(page, "sam", SupportPassword);

        await page.GotoAsync($"/support/orders/{order.OrderNumber}");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Resend license e-mail" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Revoke license…" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Refund…" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Audit log" })).ToHaveCountAsync(0);

        // Posting anyway, with the session cookie: refused, and nothing changes.
        var refund = await page.APIRequest.PostAsync($"/api/support/orders/{order.OrderNumber}/refund", new() { DataObject = new { } });
        Assert.Equal(403, refund.Status);
        var revoke = await page.APIRequest.PostAsync($"/api/support/orders/{order.OrderNumber}/revoke", new() { DataObject = new { reason = "testing" } });
        Assert.Equal(403, revoke.Status);
        var confirm = await page.GotoAsync($"/support/orders/{order.OrderNumber}/refund");
        Assert.Equal(403, confirm!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();

        await page.GotoAsync($"/support/orders/{order.OrderNumber}");
        await Expect(page.GetByTestId("order-status")).ToHaveTextAsync("paid");
    }

    [Fact]
    public async Task AnAnonymousVisitorIsSentToSignInAndThenToWhereTheyWereGoingWithoutJavaScript()
    {
        var order = await PaidOrderAsync("ada@example.com", "Ada Lovelace");
        await AddStaffAsync("alice", "admin", AdminPassword);
        var page = await OpenAsync(javaScript: false);

        await page.GotoAsync($"/support/orders/{order.OrderNumber}");
        await Expect(page).ToHaveURLAsync(new Regex("/support/sign-in\\?returnUrl="));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Support sign-in" })).ToBeVisibleAsync();
        await ScreenshotAsync(page, "sign-in");

        await SubmitSignInAsync(page, "alice", AdminPassword);
        await Expect(page).ToHaveURLAsync(new Regex($"/support/orders/{order.OrderNumber}$"));
        await Expect(page.GetByTestId("staff-user")).ToHaveTextAsync("alice");
    }

    [Fact]
    public async Task AnAdminRefundsAfterConfirmingAndTheOrderEndsRefunded()
    {
        var order = await PaidOrderAsync("ada@example.com", "Ada Lovelace");
        await AddStaffAsync("alice", "admin", AdminPassword);
        var page = await OpenAsync();
        await SignInAsync(page, "alice", AdminPassword);
        await page.GotoAsync($"/support/orders/{order.OrderNumber}");

        await page.GetByRole(AriaRole.Link, new() { Name = "Refund…" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Refund order");
        await page.GetByLabel("Note for the audit log").FillAsync("bought the wrong edition");
        await ScreenshotAsync(page, "refund-confirmation");
        await page.GetByRole(AriaRole.Button, new() { Name = "Refund 49.00 USD" }).ClickAsync();

        await Expect(page.GetByTestId("notice")).ToContainTextAsync("Refunded through PayPal");
        await Expect(page.GetByTestId("order-status")).ToHaveTextAsync("refunded");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Licenses" })).ToContainTextAsync("revoked");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Resend license e-mail" })).ToBeDisabledAsync();
        await ScreenshotAsync(page, "refunded");

        await page.GetByRole(AriaRole.Link, new() { Name = "Audit log" }).ClickAsync();
        await Expect(page.GetByTestId("audit-entry").Filter(new() { HasText = "refund" }).First).ToContainTextAsync("bought the wrong edition");
        await ScreenshotAsync(page, "audit-log");
    }

    [Fact]
    public async Task AnAdminDownloadsACustomersDataAndErasesItAfterTypingTheAddressAgain()
    {
        var order = await PaidOrderAsync("erase.me@example.com", "Erin Erasable");
        await AddStaffAsync("alice", "admin", AdminPassword);
        var page = await OpenAsync();
        await SignInAsync(page, "alice", AdminPassword);

        await page.GetByRole(AriaRole.Link, new() { Name = "Customer data" }).ClickAsync();
        await page.GetByLabel("Customer's e-mail address").FillAsync("Erase.Me@example.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Look up" }).ClickAsync();
        await Expect(page.GetByTestId("customer-order")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("customer-order")).ToContainTextAsync(order.OrderNumber);

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-link").ClickAsync());
        Assert.StartsWith("customer-data-", download.SuggestedFilename, StringComparison.Ordinal);
        var export = JsonDocument.Parse(await File.ReadAllTextAsync((await download.PathAsync())!)).RootElement;
        Assert.Equal(order.OrderNumber, export.GetProperty("orders")[0].GetProperty("orderNumber").GetString());
        Assert.Equal(order.LicenseKey, export.GetProperty("orders")[0].GetProperty("licenses")[0].GetProperty("key").GetString());

        await page.GetByTestId("erase-link").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Erase this customer's personal data");
        await page.GetByLabel("Type the address").FillAsync("someone.else@example.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Erase" }).ClickAsync();
        await Expect(page.GetByTestId("erase-error")).ToContainTextAsync("does not match");
        await page.GetByLabel("Type the address").FillAsync("erase.me@example.com");
        await ScreenshotAsync(page, "erase-confirmation");
        await page.GetByRole(AriaRole.Button, new() { Name = "Erase" }).ClickAsync();
        await Expect(page.GetByTestId("erased-notice")).ToContainTextAsync("1 order(s)");

        await page.GotoAsync($"/support/orders/{order.OrderNumber}");
        await Expect(page.GetByTestId("erased")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("customer-email")).ToHaveTextAsync("[erased]");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Resend license e-mail" })).ToBeDisabledAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Timeline" })).ToContainTextAsync("Staff erased the customer's personal data");
        await ScreenshotAsync(page, "erased-order");
    }

    [Fact]
    public async Task AdminWritesAndSendsAPrivacyNoticeAndTheCustomersAnswerShowsOnTheOrder()
    {
        var order = await PaidOrderAsync("ada.lovelace@example.com", "Ada Lovelace");
        await AddStaffAsync("alice", "admin", AdminPassword);
        var page = await OpenAsync();
        await SignInAsync(page, "alice", AdminPassword);

        await page.GetByRole(AriaRole.Link, new() { Name = "Privacy notices" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Write a notice" }).ClickAsync();
        await page.GetByLabel("Subject of the e-mail").FillAsync("May we ask you once a year?");
        await page.GetByLabel("Text").FillAsync("We would like to send you one short survey a year about PhotoShrink.\n\nOnly if you agree.");
        await page.GetByLabel("Effective date").FillAsync(DateTime.UtcNow.Date.AddDays(30).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByLabel("Customers can answer until").FillAsync(DateTime.UtcNow.Date.AddDays(14).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await ScreenshotAsync(page, "write-notice");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save as draft" }).ClickAsync();
        await Expect(page.GetByTestId("notice")).ToContainTextAsync("Saved as a draft");
        await Expect(page.GetByTestId("notice-status")).ToHaveTextAsync("draft");

        await page.GetByRole(AriaRole.Link, new() { Name = "Send to all customers…" }).ClickAsync();
        await Expect(page.GetByTestId("audience")).ToHaveTextAsync("1");
        await ScreenshotAsync(page, "send-notice-confirmation");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send the notice" }).ClickAsync();
        await Expect(page.GetByTestId("notice")).ToContainTextAsync("Sending has started");

        // The customer follows the personal link in the e-mail, in a browser of their own.
        var mail = await WaitForMailAsync(f => f.Contains("-privacy-notice", StringComparison.Ordinal));
        Assert.Equal("ada.lovelace@example.com", Assert.Single(mail.To.Mailboxes).Address);
        var link = new Uri(ConsentLink().Match(mail.TextBody ?? "").Value);
        await using var customer = await chromium.Browser.NewContextAsync(new() { BaseURL = app.ServerAddress.ToString() });
        var consent = await customer.NewPageAsync();
        await consent.GotoAsync(link.PathAndQuery);
        await Expect(consent.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("May we ask you once a year?");
        await consent.GetByRole(AriaRole.Button, new() { Name = "I agree", Exact = true }).ClickAsync();
        await Expect(consent.GetByTestId("saved")).ToBeVisibleAsync();
        await Expect(consent.GetByTestId("current-choice")).ToContainTextAsync("agreed");
        await ScreenshotAsync(consent, "consent-page");

        await page.GotoAsync($"/support/orders/{order.OrderNumber}");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Privacy notices" })).ToContainTextAsync("May we ask you once a year?");
        await Expect(page.GetByTestId("privacy-choice")).ToHaveTextAsync("accepted");
        await ScreenshotAsync(page, "order-with-consent");
        await page.GotoAsync("/support/notices");
        await Expect(page.GetByTestId("notice-row")).ToContainTextAsync("1 accepted");
        await Expect(page.GetByTestId("notice-progress")).ToContainTextAsync("1 of 1 sent");
    }

    private async Task<IPage> OpenAsync(bool javaScript = true)
    {
        context = await chromium.Browser.NewContextAsync(new()
        {
            BaseURL = app.ServerAddress.ToString(),
            JavaScriptEnabled = javaScript,
            ViewportSize = new() { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    private static async Task SignInAsync(IPage page, string username, string password)
    {
        await page.GotoAsync("/support");
        await Expect(page).ToHaveURLAsync(new Regex("/support/sign-in"));
        await SubmitSignInAsync(page, username, password);
        await Expect(page.GetByTestId("staff-user")).ToHaveTextAsync(username);
    }

    private static async Task SubmitSignInAsync(IPage page, string username, string password)
    {
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    private static async Task SearchAsync(IPage page, string term)
    {
        var box = page.GetByRole(AriaRole.Searchbox, new() { Name = "Find an order" });
        await box.FillAsync(term);
        await box.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex(@"/support\?q="));
    }

    private sealed record Order(string OrderNumber, string CaptureId, string LicenseKey);

    // A customer buys through the PayPal sandbox (what the Pay button does) and comes back.
    private async Task<Order> PaidOrderAsync(string email, string licensee)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = app.ServerAddress };
        using var created = await http.PostAsJsonAsync("/api/checkout", new { sku = "PHOTOSHRINK-PRO", quantity = 1, email, licenseeName = licensee, provider = "paypal" });
        created.EnsureSuccessStatusCode();
        var checkout = await created.Content.ReadFromJsonAsync<JsonElement>();
        var orderNumber = checkout.GetProperty("orderNumber").GetString()!;
        var payPalOrderId = PayPalToken().Match(checkout.GetProperty("redirectUrl").GetString()!).Groups[1].Value;
        using var approved = await http.PostAsync($"/sandbox/paypal/orders/{payPalOrderId}/approve", null);
        approved.EnsureSuccessStatusCode();
        var returnUrl = new Uri((await approved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("returnUrl").GetString()!);
        (await http.GetAsync(returnUrl.PathAndQuery)).Dispose();

        var license = await WaitForMailAsync(f => f.Contains(orderNumber, StringComparison.Ordinal));
        await using var db = new SqliteConnection($"Data Source={Path.Combine(app.DataDirectory, "orders.db")};Mode=ReadOnly");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = "SELECT provider_transaction_ref FROM orders WHERE order_number = $number";
        command.Parameters.AddWithValue("$number", orderNumber);
        var captureId = (string)(await command.ExecuteScalarAsync())!;
        var key = LicenseKey().Match(license.TextBody ?? "").Value;
        return new Order(orderNumber, captureId, key);
    }

    private Task AddStaffAsync(string username, string role, string password) => StaffAccounts.AddAsync(app, username, role, password);

    private async Task<MimeMessage> WaitForMailAsync(Func<string, bool> fileName)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var file = (Directory.Exists(app.OutboxDirectory) ? Directory.GetFiles(app.OutboxDirectory, "*.eml") : []).FirstOrDefault(f => fileName(Path.GetFileName(f)));
            if (file is not null)
            {
                return await MimeMessage.LoadAsync(file);
            }

            Assert.True(DateTime.UtcNow < deadline, $"The expected e-mail did not appear in {app.OutboxDirectory}.");
            await Task.Delay(200);
        }
    }

    private static async Task ScreenshotAsync(IPage page, string step)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var test = TestContext.Current.TestMethod?.MethodName ?? "test";
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, $"{test}-{step}.png"), FullPage = true });
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

    [GeneratedRegex(@"[?&]token=([^&]+)")]
    private static partial Regex PayPalToken();

    [GeneratedRegex(@"ORD1-[0-9A-Z-]+")]
    private static partial Regex LicenseKey();

    [GeneratedRegex(@"https?://\S+/privacy/notices/\d+\?token=\S+")]
    private static partial Regex ConsentLink();
}
