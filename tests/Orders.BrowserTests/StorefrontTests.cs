using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MimeKit;
using Orders.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Orders.BrowserTests;

// A customer in a real browser: the storefront's pages, the sandbox's pay page and back, the way a
// person sees them (roles, labels, visible text). One browser per class, a fresh service per test.
public sealed class StorefrontTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private static readonly string ScreenshotDirectory = Path.Combine(AppContext.BaseDirectory, "screenshots");

    private readonly OrdersApp app = new();
    private IBrowserContext? context;

    [Fact]
    public async Task CustomerBuysWithPayPalAndSeesTheLicenseKey()
    {
        var page = await OpenAsync();

        await StartPayPalCheckoutAsync(page, "ada@example.com", "Ada Lovelace");
        await ScreenshotAsync(page, "pay-page");
        await page.GetByRole(AriaRole.Button, new() { Name = "Pay", Exact = true }).ClickAsync();

        var key = await SeePaidOrderWithLicenseAsync(page);
        await ScreenshotAsync(page, "order-paid");

        var mail = await WaitForMailContainingAsync(key);
        Assert.Contains("ada@example.com", mail.To.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CustomerWhoCancelsAtPayPalSeesACanceledOrder()
    {
        var page = await OpenAsync();

        await StartPayPalCheckoutAsync(page, "grace@example.com", "Grace Hopper");
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true }).ClickAsync();

        await Expect(page).ToHaveURLAsync(OrderStatusUrl());
        await Expect(page.GetByTestId("order-status")).ToHaveTextAsync("canceled");
        await Expect(page.GetByText("You canceled the payment at PayPal. Nothing was charged.")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("license-key")).ToHaveCountAsync(0);
        // Two ways on: back to PayPal's page (still payable for a while) or another payment method.
        await Expect(page.GetByTestId("back-to-payment")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("another-method")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "order-canceled");
    }

    [Fact]
    public async Task OrderFormShowsFieldErrorsWithoutLosingInput()
    {
        var page = await OpenAsync();
        await OpenOrderFormAsync(page);
        var email = page.GetByLabel("E-mail address");
        var licensee = page.GetByLabel("Licensee name");
        await email.FillAsync("ada-at-example");
        await licensee.FillAsync("4111 1111 1111 1111");

        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Continue to payment" }).ClickAsync(),
            r => r.Request.Method == "POST");

        Assert.Equal(400, response.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(new Regex("^Buy "));
        await Expect(email).ToHaveValueAsync("ada-at-example");
        await Expect(NextTo(email)).ToHaveTextAsync("Enter the e-mail address the license should be sent to.");
        await Expect(NextTo(licensee)).ToContainTextAsync("looks like a payment card number");
        await ScreenshotAsync(page, "form-errors");
    }

    [Fact]
    public async Task ShopPagesAtDesktopAndPhoneWidths()
    {
        var page = await OpenAsync();
        var created = await page.APIRequest.PostAsync("/api/checkout", new()
        {
            DataObject = new { sku = "PHOTOSHRINK-PRO", quantity = 2, email = "ada@example.com", licenseeName = "Ada Lovelace", provider = "paypal" },
        });
        Assert.Equal(201, created.Status);
        var statusUrl = (await created.JsonAsync())!.Value.GetProperty("statusUrl").GetString()!;

        foreach (var (width, height) in new[] { (1280, 800), (390, 844) })
        {
            await page.SetViewportSizeAsync(width, height);
            await page.GotoAsync("/");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Products" })).ToBeVisibleAsync();
            await ScreenshotAsync(page, $"shop-{width}");
            await page.GotoAsync("/buy/PHOTOSHRINK-PRO");
            await ScreenshotAsync(page, $"buy-{width}");
            await page.GotoAsync(statusUrl);
            await Expect(page.GetByTestId("order-status")).ToHaveTextAsync("pending");
            // The script asks the status API politely; the customer can pause it.
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Pause updates" })).ToBeVisibleAsync();
            Assert.Equal(1, await page.GetByTestId("order-number").EvaluateAsync<int>("n => n.getClientRects().length"));
            await ScreenshotAsync(page, $"status-pending-{width}");
            await page.GotoAsync("/licenses/recover");
            await ScreenshotAsync(page, $"recovery-{width}");
            await page.GotoAsync("/privacy");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Privacy", Exact = true })).ToBeVisibleAsync();
            await ScreenshotAsync(page, $"privacy-{width}");
            await page.GotoAsync("/buy/UNKNOWN");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();
            await ScreenshotAsync(page, $"not-found-{width}");
        }

        await page.SetViewportSizeAsync(1280, 800);
        await StartPayPalCheckoutAsync(page, "grace@example.com", "Grace Hopper");
        await page.GetByRole(AriaRole.Button, new() { Name = "Pay", Exact = true }).ClickAsync();
        await SeePaidOrderWithLicenseAsync(page);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Copy key" })).ToBeVisibleAsync();
        await ScreenshotAsync(page, "status-paid-1280");
        await page.SetViewportSizeAsync(390, 844);
        await ScreenshotAsync(page, "status-paid-390");
    }

    [Fact]
    public async Task AnUnknownProductGetsAPageNotFoundWithAWayBackToTheProducts()
    {
        var page = await OpenAsync();

        var response = await page.GotoAsync("/buy/UNKNOWN");

        Assert.Equal(404, response!.Status);
        Assert.StartsWith("text/html", response.Headers["content-type"], StringComparison.Ordinal);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Page not found");
        await Expect(page.GetByText("There is no page or product at this address.")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "See all products" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Products" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task APendingOrderPageAnnouncesThePaymentInItsLiveRegionWithoutReloadingAndCanBePaused()
    {
        var purchase = await Purchases.StartAsync(app, "ada@example.com", "Ada Lovelace");
        var page = await OpenAsync();
        await page.GotoAsync(purchase.StatusPath);
        var live = page.GetByTestId("status-live");
        await Expect(live).ToHaveAttributeAsync("aria-live", "polite");
        await Expect(live).ToHaveTextAsync("We check for updates every few seconds.");

        await page.GetByRole(AriaRole.Button, new() { Name = "Pause updates" }).ClickAsync();
        await Expect(live).ToHaveTextAsync("Updates paused.");
        await Purchases.PayAtPayPalAsync(app, purchase);
        await page.GetByRole(AriaRole.Button, new() { Name = "Resume updates" }).ClickAsync();

        await Expect(live).ToContainTextAsync("Your order is now paid.");
        await Expect(live).ToContainTextAsync("Thank you!");
        // Told, not moved: the page the customer is reading stays as it was until they choose Check again.
        await Expect(page.GetByTestId("order-status")).ToHaveTextAsync("pending");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Resume updates" })).ToBeHiddenAsync();
        await page.GetByTestId("check-again").ClickAsync();
        await Expect(page.GetByTestId("order-status")).ToHaveTextAsync("paid");
    }

    [Fact]
    public async Task PagesWorkWithoutJavaScript()
    {
        var page = await OpenAsync(javaScript: false);

        await StartPayPalCheckoutAsync(page, "ada@example.com", "Ada Lovelace");
        await page.GetByRole(AriaRole.Button, new() { Name = "Pay", Exact = true }).ClickAsync();

        await SeePaidOrderWithLicenseAsync(page);
        await ScreenshotAsync(page, "order-paid");
    }

    private async Task<IPage> OpenAsync(bool javaScript = true)
    {
        context = await chromium.Browser.NewContextAsync(new()
        {
            BaseURL = app.ServerAddress.ToString(),
            JavaScriptEnabled = javaScript,
            ViewportSize = new() { Width = 1024, Height = 768 },
        });
        // Two shared cores: be patient with page loads, but fail a stuck test in seconds, not minutes.
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    private static async Task OpenOrderFormAsync(IPage page)
    {
        await page.GotoAsync("/");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Products" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Buy", Exact = true }).First.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Continue to payment" })).ToBeVisibleAsync();
    }

    private static async Task StartPayPalCheckoutAsync(IPage page, string email, string licensee)
    {
        await OpenOrderFormAsync(page);
        await page.GetByLabel("E-mail address").FillAsync(email);
        await page.GetByLabel("Licensee name").FillAsync(licensee);
        await Expect(page.GetByLabel("PayPal", new() { Exact = true })).ToBeCheckedAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue to payment" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/sandbox/paypal/checkoutnow"));
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Pay", Exact = true })).ToBeVisibleAsync();
    }

    private static async Task<string> SeePaidOrderWithLicenseAsync(IPage page)
    {
        await Expect(page).ToHaveURLAsync(OrderStatusUrl());
        await WaitForPaidAsync(page);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "License key" })).ToBeVisibleAsync();
        var key = (await page.GetByTestId("license-key").InnerTextAsync()).Trim();
        Assert.StartsWith("ORD1-", key, StringComparison.Ordinal);
        return key;
    }

    // Usually paid at once. The page never reloads by itself: while pending, the customer chooses Check again.
    internal static async Task WaitForPaidAsync(IPage page)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await page.GetByTestId("order-status").InnerTextAsync()).Trim() != "paid")
        {
            Assert.True(DateTime.UtcNow < deadline, "The order was not paid within 30 s.");
            await page.GetByTestId("check-again").ClickAsync();
            await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
        }
    }

    private static Regex OrderStatusUrl() => new(@"/orders/ORD-[^/?]+\?token=.+");

    // An error belongs right after the field it is about.
    private static ILocator NextTo(ILocator field) => field.Locator("xpath=following-sibling::*[1]");

    private async Task<MimeMessage> WaitForMailContainingAsync(string licenseKey)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            foreach (var file in Directory.Exists(app.OutboxDirectory) ? Directory.GetFiles(app.OutboxDirectory, "*.eml") : [])
            {
                var message = await MimeMessage.LoadAsync(file);
                if (message.TextBody?.Contains(licenseKey, StringComparison.Ordinal) == true)
                {
                    return message;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"No e-mail with the license key appeared in {app.OutboxDirectory}.");
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
}
