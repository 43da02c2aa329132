using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MimeKit;
using Orders.Tests.Infrastructure;
using Orders.Tests.Support;

namespace Orders.Tests.KeyRecovery;

// "E-mail me my license keys": one message with every active key of the address, the same answer
// for an address that has none, at most one e-mail per address per 10 minutes, rate limited per
// client network, nothing for an erased customer, and never a key in the browser.
public sealed class KeyRecoveryTests() : ServiceTest(new() { ["RateLimits:KeyRecoveryPerMinute"] = "100" })
{
    private const string Accepted = "If this address bought a license from us, an e-mail with all its license keys that still work is on its way.";

    [Fact]
    public async Task AKnownAddressGetsOneEmailWithAllItsActiveKeysAndNoneOfTheRevoked()
    {
        var first = await shop.PaidOrderAsync(app, email: "ada@example.com");
        var second = await shop.PaidOrderAsync(app, email: "Ada@Example.com", licenseeName: "Ada King");
        var revoked = await shop.PaidOrderAsync(app, email: "ada@example.com", licenseeName: "Ada Byron");
        var someoneElse = await shop.PaidOrderAsync(app, email: "grace@example.net", licenseeName: "Grace Hopper");
        using (var admin = await SupportSession.AdminAsync(app))
        {
            (await admin.PostJsonAsync($"/api/support/orders/{revoked.OrderNumber}/revoke", new { reason = "key shared online" })).Dispose();
        }

        using var response = await shop.Http.PostAsJsonAsync("/api/licenses/recover", new { email = "ADA@example.com" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.StartsWith(Accepted, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString(), StringComparison.Ordinal);
        var mail = await RecoveryMailAsync();
        // It goes to the address as stored on the latest order that still has a working key, not
        // to what was typed.
        Assert.Equal("Ada@Example.com", Assert.Single(mail.To.Mailboxes).Address);
        Assert.Equal("Your 2 license keys", mail.Subject);
        var text = mail.TextBody;
        Assert.Contains(first.LicenseKey, text, StringComparison.Ordinal);
        Assert.Contains(second.LicenseKey, text, StringComparison.Ordinal);
        Assert.Contains($"Order:    {first.OrderNumber}", text, StringComparison.Ordinal);
        Assert.Contains("Product:  PhotoShrink Pro", text, StringComparison.Ordinal);
        Assert.Contains("Seats:    1", text, StringComparison.Ordinal);
        Assert.DoesNotContain(revoked.LicenseKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(someoneElse.LicenseKey, text, StringComparison.Ordinal);
        var part = Assert.IsType<TextPart>(mail.Body);
        Assert.NotEqual(ContentEncoding.Default, part.ContentTransferEncoding);
        Assert.NotEqual(ContentEncoding.EightBit, part.ContentTransferEncoding);
        // The address typed is gone once it was looked up.
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM license_recovery_requests"));
    }

    [Fact]
    public async Task AnUnknownAddressGetsTheSameAnswerAndNoEmail()
    {
        await shop.PaidOrderAsync(app, email: "ada@example.com");

        using var known = await shop.Http.PostAsJsonAsync("/api/licenses/recover", new { email = "ada@example.com" });
        using var unknown = await shop.Http.PostAsJsonAsync("/api/licenses/recover", new { email = "nobody@example.org" });

        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, unknown.StatusCode);
        Assert.Equal(await known.Content.ReadAsStringAsync(), await unknown.Content.ReadAsStringAsync());
        Assert.Equal(known.Content.Headers.ContentType, unknown.Content.Headers.ContentType);
        Assert.Equal(known.Headers.Location, unknown.Headers.Location);

        // Both were stored and looked up the same way; only the known one became an e-mail.
        await IdleAsync();
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE kind = 'key-recovery'"));
        Assert.Single(Directory.GetFiles(app.OutboxDirectory, "*-key-recovery-*.eml"));
        Assert.Equal(2, app.Logs.Lines.Count(l => l.Contains("Key recovery request", StringComparison.Ordinal) && l.Contains("handled", StringComparison.Ordinal)));
        Assert.DoesNotContain(app.Logs.Lines, l => l.Contains("nobody@example.org", StringComparison.Ordinal) || l.Contains("ada@example.com", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ASecondRequestWithinTenMinutesGetsTheSameAnswerAndNoSecondEmail()
    {
        await shop.PaidOrderAsync(app, email: "ada@example.com");

        using var once = await shop.Http.PostAsJsonAsync("/api/licenses/recover", new { email = "ada@example.com" });
        await RecoveryMailAsync();
        app.Clock.Advance(TimeSpan.FromMinutes(9));
        using var twice = await shop.Http.PostAsJsonAsync("/api/licenses/recover", new { email = "ADA@example.com" });

        Assert.Equal(HttpStatusCode.Accepted, twice.StatusCode);
        Assert.Equal(await once.Content.ReadAsStringAsync(), await twice.Content.ReadAsStringAsync());
        await IdleAsync();
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE kind = 'key-recovery'"));

        // After the window the address can ask again.
        app.Clock.Advance(TimeSpan.FromMinutes(2));
        (await shop.Http.PostAsJsonAsync("/api/licenses/recover", new { email = "ada@example.com" })).Dispose();
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE kind = 'key-recovery' AND status = 'sent'"), n => n == 2,
            what: "a second recovery e-mail after the window");
    }

    [Fact]
    public async Task AnErasedCustomerGetsNothing()
    {
        await shop.PaidOrderAsync(app, email: "ada@example.com");
        using (var admin = await SupportSession.AdminAsync(app))
        using (var erase = await admin.PostJsonAsync("/api/support/customers/erase", new { email = "ada@example.com" }))
        {
            Assert.Equal(HttpStatusCode.OK, erase.StatusCode);
        }

        using var response = await shop.Http.PostAsJsonAsync("/api/licenses/recover", new { email = "ada@example.com" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await IdleAsync();
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE kind = 'key-recovery'"));
    }

    [Fact]
    public async Task AMalformedAddressIsAValidationProblemAndStoresNothing()
    {
        using var response = await shop.Http.PostAsJsonAsync("/api/licenses/recover", new { email = "not an address" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("email", out _));
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM license_recovery_requests"));
    }

    [Fact]
    public async Task TheShopPagesLinkTheRecoveryPageWhoseFormNeedsAnAntiforgeryTokenAndShowsNoKey()
    {
        var order = await shop.PaidOrderAsync(app, email: "ada@example.com");
        var home = await shop.Http.GetStringAsync("/");
        var status = await shop.Http.GetStringAsync(order.Checkout.StatusUrl);
        Assert.Contains("href=\"/licenses/recover\"", home, StringComparison.Ordinal);
        Assert.Contains("href=\"/licenses/recover\"", status, StringComparison.Ordinal);

        // A form from another site (no antiforgery token) changes nothing.
        using (var forged = await shop.Http.PostAsync("/licenses/recover", new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = "ada@example.com" })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        }

        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM license_recovery_requests") + await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE kind = 'key-recovery'"));

        using var browser = SupportSession.Anonymous(app);
        using var known = await browser.PostFormAsync("/licenses/recover", "/licenses/recover", new() { ["email"] = "ada@example.com" });
        using var unknown = await browser.PostFormAsync("/licenses/recover", "/licenses/recover", new() { ["email"] = "nobody@example.org" });

        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, unknown.StatusCode);
        var page = await known.Content.ReadAsStringAsync();
        Assert.Equal(page, await unknown.Content.ReadAsStringAsync());
        Assert.Contains("Check your e-mail", page, StringComparison.Ordinal);
        Assert.DoesNotContain(order.LicenseKey, page, StringComparison.Ordinal);
        var mail = await RecoveryMailAsync();
        Assert.Contains(order.LicenseKey, mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecoveryIsRateLimitedPerClientNetwork()
    {
        await using var limited = new OrdersApp(settings: new() { ["RateLimits:KeyRecoveryPerMinute"] = "2" });
        var http = new Shop(limited).Http;

        for (var i = 0; i < 2; i++)
        {
            using var allowed = await http.PostAsJsonAsync("/api/licenses/recover", new { email = $"someone{i}@example.com" });
            Assert.Equal(HttpStatusCode.Accepted, allowed.StatusCode);
        }

        using var refused = await http.PostAsJsonAsync("/api/licenses/recover", new { email = "someone2@example.com" });
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(429, (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32());
        Assert.True(refused.Headers.Contains("Retry-After"));

        // The page shares the budget: the same network is refused there too.
        using var page = await http.PostAsync("/licenses/recover", new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = "someone3@example.com" }));
        Assert.Equal(HttpStatusCode.TooManyRequests, page.StatusCode);
    }

    private async Task<MimeMessage> RecoveryMailAsync()
    {
        var files = await Eventually.GetAsync(
            () => Task.FromResult(Directory.Exists(app.OutboxDirectory) ? Directory.GetFiles(app.OutboxDirectory, "*-key-recovery-*.eml") : []),
            f => f.Length >= 1, what: "a key-recovery e-mail");
        return await MimeMessage.LoadAsync(Assert.Single(files));
    }

    // Every recovery request looked up, every e-mail sent or ended.
    private async Task IdleAsync()
    {
        await Eventually.GetAsync(() => shop.CountAsync("""
            SELECT (SELECT COUNT(*) FROM license_recovery_requests)
                 + (SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'sending'))
            """), n => n == 0, what: "the service to be idle");
    }
}
