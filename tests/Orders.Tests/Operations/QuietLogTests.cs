using System.Net;
using System.Text.RegularExpressions;
using Orders.Tests.Infrastructure;
using Orders.Tests.Support;
using static Orders.Tests.Privacy.NoticeTestKit;

namespace Orders.Tests.Operations;

// With the shipped log levels (appsettings.json), a few purchases and page views write a line per
// meaningful event of the service's own and nothing else at Information or above: no HTTP client or
// resilience internals, no framework chatter, no warning per form page, no request tally before its
// interval is up. (The in-process sandbox, standing in for the providers, logs its own events.)
public sealed partial class QuietLogTests(ITestOutputHelper output) : ServiceTest
{
    private const int Purchases = 3;

    // Per purchase: the checkout started, the payment applied, the license e-mail sent.
    private const int LinesPerPurchase = 3;

    [Fact]
    public async Task PurchasesAndPageViewsWriteOnlyTheServicesOwnEventsAtInformation()
    {
        var before = app.Logs.Lines.Count;
        _ = app.ServerAddress;
        for (var i = 0; i < Purchases; i++)
        {
            await PageAsync("/");
            await PageAsync("/support/sign-in");
            var token = await FormTokenAsync();
            Assert.NotEmpty(token);
            var checkout = await shop.CheckoutAsync(email: $"buyer{i}@example.com");
            var back = await shop.ApproveAsync(checkout);
            using (await shop.Http.GetAsync(back.PathAndQuery))
            {
            }

            await shop.WaitForStatusAsync(checkout, "paid");
            await shop.WaitForMailsAsync(checkout.OrderNumber);
            await PageAsync(checkout.StatusUrl);
        }

        await app.WaitUntilIdleAsync();

        var lines = app.Logs.Lines.Skip(before).Where(l => !l.StartsWith("Debug ", StringComparison.Ordinal) && !l.StartsWith("Trace ", StringComparison.Ordinal)).ToList();
        foreach (var line in lines)
        {
            output.WriteLine(line.Split(" | ")[0]);
        }

        Assert.All(lines, line => Assert.Matches(OwnCategory(), line));
        Assert.DoesNotContain(lines, l => !l.StartsWith("Information ", StringComparison.Ordinal));
        var service = lines.Where(l => !l.StartsWith("Information Orders.Sandbox.", StringComparison.Ordinal)).ToList();
        Assert.True(service.Count <= LinesPerPurchase * Purchases, $"{service.Count} lines of the service's own for {Purchases} purchases; at most {LinesPerPurchase * Purchases} expected.");
        Assert.DoesNotContain(service, l => l.Contains(" Orders.Requests:", StringComparison.Ordinal));
    }

    // DbUp's step-by-step account (journal checks, each script) is at Debug; what changed is one line.
    [Fact]
    public async Task StartingOnANewDatabaseWritesOneLineForTheMigrationsApplied()
    {
        await app.WaitUntilIdleAsync();
        var migrations = app.Logs.Lines.Where(l => l.Contains(" Orders.Api.Data.Migrations: ", StringComparison.Ordinal) && !l.StartsWith("Debug ", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(migrations);
        Assert.Matches(@"^Information Orders\.Api\.Data\.Migrations: Applied \d+ database migration\(s\): 0001_initial, ", line);
    }

    // The consent page keeps itself out of caches and carries an antiforgery field: antiforgery
    // finds the no-cache it needs already there and has nothing to warn about, view after view.
    [Fact]
    public async Task AFormPageThatIsKeptOutOfCachesWritesNoWarningPerView()
    {
        await shop.PaidOrderAsync(app, email: "ada@example.com");
        using var admin = await SupportSession.AdminAsync(app);
        await CreateAndSendAsync(admin);
        var (path, _, _) = ConsentLink(await WaitForNoticeMailAsync(app));
        var before = app.Logs.Lines.Count;

        using var customer = SupportSession.Anonymous(app);
        for (var i = 0; i < 3; i++)
        {
            using var page = await customer.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.True(page.Headers.CacheControl?.NoStore);
            Assert.Contains("__RequestVerificationToken", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain(app.Logs.Lines.Skip(before), l => l.StartsWith("Warning ", StringComparison.Ordinal));
    }

    private async Task PageAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await shop.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    private async Task<string> FormTokenAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/buy/PHOTOSHRINK-PRO");
        request.Headers.Accept.ParseAdd("text/html");
        using var form = await shop.Http.SendAsync(request);
        form.EnsureSuccessStatusCode();
        return AntiforgeryField().Match(await form.Content.ReadAsStringAsync()).Groups[1].Value;
    }

    // The service's own categories (Orders.Api.*, Orders.Checkout, Orders.Requests…) and the in-process sandbox's.
    [GeneratedRegex(@"^(Information|Warning|Error|Critical) Orders\.")]
    private static partial Regex OwnCategory();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
