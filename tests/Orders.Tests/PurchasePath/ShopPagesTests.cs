using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Dapper;
using Orders.Api.Pages;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.PurchasePath;

// The shop's pages as a browser gets them: pages (never JSON) with a way back when something is
// wrong, prices and times for people, the status page without surprise reloads, the privacy page.
public sealed partial class ShopPagesTests : IAsyncLifetime
{
    private readonly OrdersApp app = new();
    private Shop shop = null!;

    public ValueTask InitializeAsync()
    {
        shop = new Shop(app);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => app.DisposeAsync();

    [Fact]
    public async Task UnknownProductAndUnknownPageAreHtmlPagesWithAWayBackForABrowser()
    {
        foreach (var path in new[] { "/buy/UNKNOWN", "/no-such-page", "/orders/ORD-NOPE?token=x", "/checkout/paypal/cancel?order=ORD-NOPE&st=x" })
        {
            using var response = await GetHtmlAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            var html = await response.Content.ReadAsStringAsync();
            Assert.Contains("<h1>", html, StringComparison.Ordinal);
            Assert.Contains("href=\"/\"", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task UnknownAddressesUnderTheApiAreProblemDetailsEvenForABrowser()
    {
        foreach (var path in new[] { "/api/no-such-thing", "/api/orders/ORD-NOPE?token=x", "/webhooks/nowhere" })
        {
            using var response = await GetHtmlAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        // A client that does not ask for HTML gets problem details anywhere.
        using var plain = await shop.Http.GetAsync("/no-such-page");
        Assert.Equal(HttpStatusCode.NotFound, plain.StatusCode);
        Assert.Equal("application/problem+json", plain.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task SeatsThatAreNotAWholeNumberReRenderTheFormWithTheError()
    {
        using var response = await PostFormAsync(new() { ["email"] = "ada@example.com", ["licenseeName"] = "Ada Lovelace", ["quantity"] = "1.5", ["provider"] = "paypal" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<h1>Buy PhotoShrink Pro</h1>", html, StringComparison.Ordinal);
        Assert.Matches("id=\"quantity\"[^>]*value=\"1.5\"[^>]*aria-invalid=\"true\"", html);
        Assert.Contains("id=\"quantity-error\">The quantity must be a whole number", html, StringComparison.Ordinal);
        Assert.Contains("value=\"ada@example.com\"", html, StringComparison.Ordinal);
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM orders"));
    }

    [Fact]
    public async Task MissingFieldsAreShownOnTheForm()
    {
        // A browser sends empty fields as empty values.
        using var response = await PostFormAsync(new() { ["email"] = "", ["licenseeName"] = " ", ["quantity"] = "1", ["provider"] = "paypal" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("id=\"email-error\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"licenseeName-error\"", html, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"form-errors\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FormPostWithoutAntiforgeryTokenIsRefusedWithAPageForABrowser()
    {
        using var post = new HttpRequestMessage(HttpMethod.Post, "/buy/PHOTOSHRINK-PRO")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = "ada@example.com", ["licenseeName"] = "Ada", ["quantity"] = "1", ["provider"] = "paypal" }),
        };
        post.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        using var response = await shop.Http.SendAsync(post);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("This form could not be read", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM orders"));
    }

    [Fact]
    public async Task TooManyCheckoutsFromTheFormShowAPageThatSaysHowLongToWait()
    {
        await using var limited = new OrdersApp(settings: new() { ["RateLimits:CheckoutPerMinute"] = "1" });
        var (token, cookie) = await FormTokenAsync(limited.Http());
        var fields = new Dictionary<string, string> { ["email"] = "ada@example.com", ["licenseeName"] = "Ada Lovelace", ["quantity"] = "1", ["provider"] = "paypal" };
        using var first = await PostFormAsync(limited.Http(), token, cookie, fields);
        Assert.Equal(HttpStatusCode.SeeOther, first.StatusCode);

        using var second = await PostFormAsync(limited.Http(), token, cookie, fields);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal("text/html", second.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(second.Headers.RetryAfter);
        var html = await second.Content.ReadAsStringAsync();
        Assert.Matches(@"Please wait (about \d+ (seconds|minutes)|a second) and try again", html);
        Assert.Contains("href=\"/\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void PricesAreWrittenWithTheCurrencySymbolAndTimesInWords()
    {
        Assert.Equal("$49.00", ShopFormat.Price(4900, "USD"));
        Assert.Equal("€1,049.50", ShopFormat.Price(104950, "EUR"));
        Assert.Equal("¥4,900", ShopFormat.Price(4900, "JPY"));
        Assert.Equal("CHF\u00a049.00", ShopFormat.Price(4900, "CHF"));
        Assert.Equal("5 December 2026, 23:50 UTC", ShopFormat.Time(new DateTime(2026, 12, 5, 23, 50, 36, DateTimeKind.Utc)));
        Assert.Equal("about 40 seconds", ShopFormat.Wait(TimeSpan.FromSeconds(39.2)));
        Assert.Equal("about 2 minutes", ShopFormat.Wait(TimeSpan.FromSeconds(110)));
    }

    [Fact]
    public async Task ShopPagesShowPricesAndTimesForPeople()
    {
        using var home = await GetHtmlAsync("/");
        var html = await home.Content.ReadAsStringAsync();
        Assert.Contains("$49.00", html, StringComparison.Ordinal);
        Assert.DoesNotContain("49.00 USD", html, StringComparison.Ordinal);

        var checkout = await shop.CheckoutAsync();
        using var status = await GetHtmlAsync(checkout.StatusUrl);
        var page = await status.Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"total\">$49.00<", page, StringComparison.Ordinal);
        Assert.Matches(@"data-testid=""ordered-at"">\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}, \d{2}:\d{2} UTC<", page);
    }

    [Fact]
    public async Task PendingStatusPageNeverReloadsItselfAndShowsWhereTheLicenseGoes()
    {
        var checkout = await shop.CheckoutAsync(email: "ada@example.com", licenseeName: "Ada <b>Lovelace</b>");
        using var response = await GetHtmlAsync(checkout.StatusUrl);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("http-equiv", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("data-testid=\"check-again\"", html, StringComparison.Ordinal);
        Assert.Contains("aria-live=\"polite\"", html, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"email\">ada@example.com<", html, StringComparison.Ordinal);
        // Encoded by construction: the name is text, never markup.
        Assert.Contains("data-testid=\"licensee\">Ada &lt;b&gt;Lovelace&lt;/b&gt;<", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrivacyPageShowsThePolicyAndTheNoticesThatWereSentButNoDrafts()
    {
        await using (var connection = await app.Db.OpenAsync(CancellationToken.None))
        {
            const string insert = """
                INSERT INTO privacy_notices (subject, body, effective_on, respond_by, status, created_by, created_at, send_started_at)
                VALUES (@Subject, 'What changes.', '2026-11-01', '2026-10-31T00:00:00.000Z', @Status, 'admin', '2026-10-01T00:00:00.000Z', @Started)
                """;
            await connection.ExecuteAsync(insert, new { Subject = "Newsletter about updates", Status = "sent", Started = "2026-10-02T00:00:00.000Z" });
            await connection.ExecuteAsync(insert, new { Subject = "A draft nobody saw", Status = "draft", Started = (string?)null });
        }

        using var response = await GetHtmlAsync("/privacy");
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Your e-mail address and name are used only to deliver what you bought.", html, StringComparison.Ordinal);
        Assert.Contains("Newsletter about updates", html, StringComparison.Ordinal);
        Assert.Contains("Applies from 1 November 2026", html, StringComparison.Ordinal);
        Assert.DoesNotContain("A draft nobody saw", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrivacyPolicyComesFromTheOperatorsFileAsText()
    {
        var file = Path.Combine(app.DataDirectory + "-policy.md");
        await File.WriteAllTextAsync(file, "# Our policy\n\nWe keep <script>nothing</script> we do not need.\n\n- one promise\n- another promise\n");
        await using var configured = new OrdersApp(settings: new() { ["Shop:PrivacyPolicyFile"] = file });

        using var response = await GetHtmlAsync(configured.Http(), "/privacy");
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<h2>Our policy</h2>", html, StringComparison.Ordinal);
        Assert.Contains("We keep &lt;script&gt;nothing&lt;/script&gt; we do not need.", html, StringComparison.Ordinal);
        Assert.Contains("<li>another promise</li>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("used only to deliver what you bought", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APrivacyPolicyFileThatDoesNotExistStopsTheStartNamingTheSetting()
    {
        await using var misconfigured = new OrdersApp(settings: new() { ["Shop:PrivacyPolicyFile"] = "/nowhere/privacy.md" });
        var message = Assert.ThrowsAny<Exception>(() => misconfigured.Http()).ToString();
        Assert.Contains("Shop:PrivacyPolicyFile", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryShopPageLinksThePrivacyPageAndKeyRecovery()
    {
        var checkout = await shop.CheckoutAsync();
        foreach (var path in new[] { "/", "/buy/PHOTOSHRINK-PRO", checkout.StatusUrl, "/licenses/recover", "/privacy", "/no-such-page" })
        {
            using var response = await GetHtmlAsync(path);
            var html = await response.Content.ReadAsStringAsync();
            Assert.True(html.Contains("href=\"/privacy\"", StringComparison.Ordinal), $"{path} links /privacy");
            Assert.True(html.Contains("href=\"/licenses/recover\"", StringComparison.Ordinal), $"{path} links key recovery");
            Assert.True(html.Contains("mailto:support@example.com", StringComparison.Ordinal), $"{path} shows the support address");
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task TheStylesheetAndScriptComeFromTheShopItself()
    {
        using var home = await GetHtmlAsync("/");
        var html = await home.Content.ReadAsStringAsync();
        var style = StyleLink().Match(html).Groups[1].Value;
        var script = ScriptLink().Match(html).Groups[1].Value;
        Assert.StartsWith("/assets/shop.css?v=", style, StringComparison.Ordinal);
        Assert.StartsWith("/assets/shop.js?v=", script, StringComparison.Ordinal);
        using var css = await shop.Http.GetAsync(style);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        using var js = await shop.Http.GetAsync(script);
        Assert.Equal("text/javascript", js.Content.Headers.ContentType?.MediaType);
        Assert.Contains("script-src 'self'", home.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> GetHtmlAsync(string path) => GetHtmlAsync(shop.Http, path);

    private static async Task<HttpResponseMessage> GetHtmlAsync(HttpClient http, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        return await http.SendAsync(request);
    }

    private async Task<HttpResponseMessage> PostFormAsync(Dictionary<string, string> fields)
    {
        var (token, cookie) = await FormTokenAsync(shop.Http);
        return await PostFormAsync(shop.Http, token, cookie, fields);
    }

    private static async Task<(string Token, string Cookie)> FormTokenAsync(HttpClient http)
    {
        using var form = await GetHtmlAsync(http, "/buy/PHOTOSHRINK-PRO");
        var html = await form.Content.ReadAsStringAsync();
        return (AntiforgeryField().Match(html).Groups[1].Value, form.Headers.GetValues("Set-Cookie").First().Split(';')[0]);
    }

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient http, string token, string cookie, Dictionary<string, string> fields)
    {
        using var post = new HttpRequestMessage(HttpMethod.Post, "/buy/PHOTOSHRINK-PRO")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = token }),
        };
        post.Headers.Add("Cookie", cookie);
        post.Headers.Accept.ParseAdd("text/html");
        return await http.SendAsync(post);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("<link rel=\"stylesheet\" href=\"([^\"]+)\"")]
    private static partial Regex StyleLink();

    [GeneratedRegex("<script src=\"([^\"]+)\"")]
    private static partial Regex ScriptLink();
}
