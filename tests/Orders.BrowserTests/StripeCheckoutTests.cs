using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MimeKit;
using Orders.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Orders.BrowserTests;

// A customer paying by card through Stripe Checkout in a real browser: the order form, the
// sandbox's hosted Stripe page and back to the order's status page.
public sealed class StripeCheckoutTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private static readonly string ScreenshotDirectory = Path.Combine(AppContext.BaseDirectory, "screenshots");

    private readonly OrdersApp app = new();
    private IBrowserContext? context;

    [Fact]
    public async Task CustomerPaysByCardWithStripeAndSeesTheLicenseKey()
    {
        context = await chromium.Browser.NewContextAsync(new()
        {
            BaseURL = app.ServerAddress.ToString(),
            ViewportSize = new() { Width = 1024, Height = 768 },
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Link, new() { Name = "Buy", Exact = true }).First.ClickAsync();
        await page.GetByLabel("E-mail address").FillAsync("ada@example.com");
        await page.GetByLabel("Licensee name").FillAsync("Ada Lovelace");
        await page.GetByLabel("Card (Stripe)", new() { Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue to payment" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/sandbox/stripe/c/pay/cs_test_"));
        await Expect(page.GetByRole(AriaRole.Button)).ToHaveCountAsync(2);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByText("ada@example.com")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "stripe-pay-page");
        await page.GetByRole(AriaRole.Button, new() { Name = "Pay", Exact = true }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex(@"/orders/ORD-[^/?]+\?token=.+"));
        await StorefrontTests.WaitForPaidAsync(page);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "License key" })).ToBeVisibleAsync();
        var key = (await page.GetByTestId("license-key").InnerTextAsync()).Trim();
        Assert.StartsWith("ORD1-", key, StringComparison.Ordinal);
        await ScreenshotAsync(page, "stripe-order-paid");

        var mail = await WaitForMailContainingAsync(key);
        Assert.Contains("ada@example.com", mail.To.ToString(), StringComparison.Ordinal);
    }

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
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, $"{step}.png"), FullPage = true });
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
