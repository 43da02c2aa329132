using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Orders.Api.Mail;
using Orders.Api.Support;
using Orders.Tests.Infrastructure;
using Orders.Tests.Support;
using static Orders.Tests.Privacy.NoticeTestKit;

namespace Orders.Tests.Privacy;

public sealed class PrivacyNoticeTests : ServiceTest
{
    [Fact]
    public async Task TheNoticeEmailLinksThePrivacyPageWhichListsTheSentNotice()
    {
        await shop.PaidOrderAsync(app, email: "ada@example.com");
        using var admin = await SupportSession.AdminAsync(app);
        await CreateAndSendAsync(admin);

        var mail = await WaitForNoticeMailAsync(app);
        // The shop's privacy page itself, not only the personal /privacy/notices/… link.
        Assert.Matches(@"https?://[^/\s]+/privacy(\s|$)", mail.TextBody);
        Assert.Matches("href=\"https?://[^/\"]+/privacy\"", mail.HtmlBody);

        using var customer = SupportSession.Anonymous(app);
        var page = await customer.PageAsync("/privacy");
        Assert.Contains("A new use of your e-mail address", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CustomerAcceptsThenDeclinesThroughThePersonalLinkAndSupportSeesTheAnswer()
    {
        var order = await shop.PaidOrderAsync(app, email: "Ada.Lovelace@Example.com");
        using var admin = await SupportSession.AdminAsync(app);
        var noticeId = await CreateAndSendAsync(admin);

        var mail = await WaitForNoticeMailAsync(app);
        Assert.Equal("Ada.Lovelace@Example.com", Assert.Single(mail.To.Mailboxes).Address);
        Assert.Equal("A new use of your e-mail address", mail.Subject);
        Assert.Contains("short survey about PhotoShrink", mail.TextBody, StringComparison.Ordinal);
        var (path, recipientId, token) = ConsentLink(mail);

        using var customer = SupportSession.Anonymous(app);
        using (var page = await customer.Http.GetAsync(path))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.True(page.Headers.CacheControl?.NoStore);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains("short survey about PhotoShrink", html, StringComparison.Ordinal);
            Assert.Contains("data-choice=\"none\"", html, StringComparison.Ordinal);
        }

        using (var accepted = await customer.PostFormAsync(path, $"/privacy/notices/{recipientId}", new() { ["token"] = token, ["choice"] = "accepted" }))
        {
            Assert.Equal(HttpStatusCode.SeeOther, accepted.StatusCode);
            Assert.Contains("saved=1", accepted.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        Assert.Contains("data-choice=\"accepted\"", await customer.PageAsync(path), StringComparison.Ordinal);
        var firstTime = await ChosenAtAsync(recipientId);

        // Clicking the same answer again keeps its time; a different one replaces it.
        (await customer.PostFormAsync(path, $"/privacy/notices/{recipientId}", new() { ["token"] = token, ["choice"] = "accepted" })).Dispose();
        Assert.Equal(firstTime, await ChosenAtAsync(recipientId));
        app.Clock.Advance(TimeSpan.FromMinutes(5));
        using (var declined = await customer.PostFormAsync(path, $"/privacy/notices/{recipientId}", new() { ["token"] = token, ["choice"] = "declined" }))
        {
            Assert.Equal(HttpStatusCode.SeeOther, declined.StatusCode);
        }

        Assert.Contains("data-choice=\"declined\"", await customer.PageAsync(path), StringComparison.Ordinal);
        Assert.True(string.CompareOrdinal(await ChosenAtAsync(recipientId), firstTime) > 0);
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM privacy_notice_recipients WHERE choice = 'declined' AND chosen_at IS NOT NULL"));

        // The support console shows the answer on the order, and the notice's tally.
        var orderPage = await admin.PageAsync($"/support/orders/{order.OrderNumber}");
        Assert.Contains("aria-label=\"Privacy notices\"", orderPage, StringComparison.Ordinal);
        Assert.Matches("data-testid=\"privacy-choice\"><span class=\"badge s-declined\">declined</span>", orderPage);
        var json = await admin.OrderAsync(order.OrderNumber);
        var consent = Assert.Single(json.GetProperty("privacyNotices").EnumerateArray());
        Assert.Equal(noticeId, consent.GetProperty("noticeId").GetInt64());
        Assert.Equal("declined", consent.GetProperty("choice").GetString());
        Assert.Equal("sent", consent.GetProperty("deliveryStatus").GetString());
        var notice = await admin.GetJsonAsync($"/api/support/notices/{noticeId}");
        Assert.Equal(0, notice.GetProperty("progress").GetProperty("accepted").GetInt64());
        Assert.Equal(1, notice.GetProperty("progress").GetProperty("declined").GetInt64());
        Assert.Equal(1, notice.GetProperty("progress").GetProperty("sent").GetInt64());

        // Neither the address nor the token reaches the logs or the audit trail.
        Assert.DoesNotContain("ada.lovelace", app.Logs.AllText, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(token, app.Logs.AllText, StringComparison.Ordinal);
        var audit = await admin.AuditAsync();
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == AuditActions.PrivacyNoticeCreated);
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == AuditActions.PrivacyNoticeSent);
        Assert.DoesNotContain(audit, e => e.GetProperty("detail").GetString()?.Contains('@', StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task EveryBadLinkGetsTheSameNeutralNotFoundPage()
    {
        await SeedAsync(app, [new("grace@example.com"), new("linus@example.com")]);
        using var admin = await SupportSession.AdminAsync(app);
        await CreateAndSendAsync(admin);
        var files = await Eventually.GetAsync(() => Task.FromResult(NoticeMails(app)), f => f.Length == 2, what: "two notice e-mails");
        var links = new List<(string Path, long RecipientId, string Token)>();
        foreach (var file in files)
        {
            links.Add(ConsentLink(await MimeKit.MimeMessage.LoadAsync(file)));
        }

        var (path, id, token) = links[0];
        var other = links[1];
        using var customer = SupportSession.Anonymous(app);
        Assert.Equal(HttpStatusCode.OK, (await customer.Http.GetAsync(path)).StatusCode);

        var bad = new List<string>
        {
            $"/privacy/notices/{id}?token={Uri.EscapeDataString(token[..^2] + "xx")}",   // wrong token
            $"/privacy/notices/{id}?token={Uri.EscapeDataString(other.Token)}",            // someone else's token
            $"/privacy/notices/{id}",                                                      // no token
            $"/privacy/notices/{id + 1000}?token={Uri.EscapeDataString(token)}",           // unknown id
            $"/privacy/notices/abc?token={Uri.EscapeDataString(token)}",                   // not an id
        };
        var answers = new List<string>();
        foreach (var url in bad)
        {
            answers.Add(await NotFoundBodyAsync(customer, url));
        }

        // A post with a wrong token changes nothing and answers the same.
        using (var forged = await customer.PostFormAsync(path, $"/privacy/notices/{id}", new() { ["token"] = other.Token, ["choice"] = "accepted" }))
        {
            Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);
            answers.Add(await forged.Content.ReadAsStringAsync());
        }

        // A form posted without the page's antiforgery token (from another site) is refused.
        using (var crossSite = await customer.Http.PostAsync($"/privacy/notices/{id}", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token, ["choice"] = "accepted" })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, crossSite.StatusCode);
        }

        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM privacy_notice_recipients WHERE choice IS NOT NULL"));

        // The other customer is erased (as the erasure does it): their link stops working.
        await using (var connection = await app.Db.OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync(
                "UPDATE orders SET email = '[erased]', licensee_name = '[erased]', erased_at = '2026-01-01T00:00:00.000Z' WHERE id = (SELECT order_id FROM privacy_notice_recipients WHERE id = @Id)",
                new { Id = other.RecipientId });
            await connection.ExecuteAsync("UPDATE privacy_notice_recipients SET email_lower = 'erased:' || id WHERE id = @Id", new { Id = other.RecipientId });
        }

        answers.Add(await NotFoundBodyAsync(customer, other.Path));

        // And after the respond-by day every link is dead.
        app.Clock.Advance(TimeSpan.FromDays(15));
        answers.Add(await NotFoundBodyAsync(customer, path));

        Assert.Single(answers.Distinct());
        Assert.DoesNotContain(token, answers[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnlyAdminsManageNoticesAndBadInputGetsValidationProblems()
    {
        using var support = await SupportSession.SupportAsync(app);
        using var admin = await SupportSession.AdminAsync(app);
        using var anonymous = SupportSession.Anonymous(app);

        using (var response = await anonymous.Http.GetAsync("/api/support/notices"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var response = await support.Http.GetAsync("/api/support/notices"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using (var response = await support.PostJsonAsync("/api/support/notices", Draft()))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using (var response = await support.Http.GetAsync("/support/notices"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using (var response = await admin.PostJsonAsync("/api/support/notices", new { subject = " ", body = "", effectiveOn = "2026-13-45", respondBy = "soon" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var errors = (await response.ReadAsync<JsonElement>()).GetProperty("errors");
            Assert.True(errors.TryGetProperty("subject", out _));
            Assert.True(errors.TryGetProperty("body", out _));
            Assert.True(errors.TryGetProperty("effectiveOn", out _));
            Assert.True(errors.TryGetProperty("respondBy", out _));
        }

        // Answers due after the new use has started, or a start in the past, are refused.
        using (var response = await admin.PostJsonAsync("/api/support/notices", new { subject = "S", body = "B", effectiveOn = Day(10), respondBy = Day(20) }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.ReadAsync<JsonElement>()).GetProperty("errors").TryGetProperty("respondBy", out _));
        }

        using (var response = await admin.PostJsonAsync("/api/support/notices", new { subject = "S", body = "B", effectiveOn = Day(-1), respondBy = Day(-1) }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        // A long text is a validation problem, not a request too large for the support API.
        using (var response = await admin.PostJsonAsync("/api/support/notices", new { subject = "S", body = new string('x', 20_001), effectiveOn = Day(30), respondBy = Day(14) }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.ReadAsync<JsonElement>()).GetProperty("errors").TryGetProperty("body", out _));
        }

        using (var response = await admin.Http.PostAsync("/api/support/notices", new StringContent("subject=S")))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        }

        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM privacy_notices"));

        // Sending twice is one mailing: the second request is a conflict.
        await SeedAsync(app, [new("one@example.com")]);
        var id = await CreateAndSendAsync(admin);
        using (var again = await admin.PostJsonAsync($"/api/support/notices/{id}/send", new { }))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        }

        using (var missing = await admin.PostJsonAsync("/api/support/notices/999/send", new { }))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        await Eventually.GetAsync(() => Task.FromResult(NoticeMails(app).Length), n => n == 1, what: "one notice e-mail");
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM audit_log WHERE action = 'privacy-notice-sent'"));
        var list = await admin.GetJsonAsync("/api/support/notices");
        Assert.Single(list.GetProperty("notices").EnumerateArray());
    }

    [Fact]
    public async Task AdminWritesAndSendsANoticeInTheConsole()
    {
        await SeedAsync(app, [new("one@example.com"), new("ONE@example.com"), new("two@example.com"), new("gone@example.com", Erased: true), new("unpaid@example.com", Status: "pending")]);
        using var admin = await SupportSession.AdminAsync(app);

        using (var invalid = await admin.PostFormAsync("/support/notices/new", "/support/notices/new", new() { ["subject"] = "", ["body"] = "Text", ["effectiveOn"] = Day(30), ["respondBy"] = Day(14) }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
            Assert.Contains("data-testid=\"subject-error\"", await invalid.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        string noticePath;
        using (var created = await admin.PostFormAsync("/support/notices/new", "/support/notices/new",
            new() { ["subject"] = "Survey once a year?", ["body"] = "May we ask you once a year how PhotoShrink works for you?", ["effectiveOn"] = Day(30), ["respondBy"] = Day(14) }))
        {
            Assert.Equal(HttpStatusCode.SeeOther, created.StatusCode);
            noticePath = created.Headers.Location!.OriginalString.Split('?')[0];
        }

        Assert.Contains("Send to all customers", await admin.PageAsync(noticePath), StringComparison.Ordinal);
        var confirm = await admin.PageAsync(noticePath + "/send");
        Assert.Contains("data-testid=\"audience\">2<", confirm, StringComparison.Ordinal);
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM deliveries"));

        using (var sent = await admin.PostFormAsync(noticePath + "/send", noticePath + "/send", []))
        {
            Assert.Equal(HttpStatusCode.SeeOther, sent.StatusCode);
            Assert.EndsWith("?notice=sending", sent.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM privacy_notices WHERE status = 'sent'"), n => n == 1, what: "the notice to be sent");
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"), n => n == 2, what: "two e-mails sent");
        Assert.Equal(2, NoticeMails(app).Length);
        var list = await admin.PageAsync("/support/notices");
        Assert.Contains("2 of 2 sent", list, StringComparison.Ordinal);

        // A second confirmation (another tab) changes nothing.
        using (var again = await admin.PostFormAsync(noticePath, noticePath + "/send", []))
        {
            Assert.Equal(HttpStatusCode.SeeOther, again.StatusCode);
            Assert.EndsWith("?error=not-draft", again.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        Assert.Equal(2, await shop.CountAsync("SELECT COUNT(*) FROM deliveries"));
    }

    [Fact]
    public async Task TheServiceSendsCustomersNothingButWhatTheyBoughtWhatHappenedToItAndPrivacyNotices()
    {
        Assert.Equal(["license", "resend", "refund", "reversal", "revocation", "key-recovery", "privacy-notice"], DeliveryKinds.All);

        // Every statement that writes a delivery names one of those kinds (or takes it from the code).
        var service = typeof(DeliveryKinds).Assembly;
        var writers = service.GetTypes()
            .SelectMany(t => t.GetFields(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.DeclaredOnly))
            .Select(f => f.IsLiteral && f.FieldType == typeof(string) ? (string)f.GetRawConstantValue()!
                : f.FieldType == typeof(Orders.Api.Data.Dialect) && f.GetValue(null) is Orders.Api.Data.Dialect d ? d.Sqlite + "\n" + d.SqlServer : null)
            .Where(sql => sql is not null && sql.Contains("INSERT INTO deliveries", StringComparison.OrdinalIgnoreCase))
            .ToList();
        Assert.NotEmpty(writers);
        Assert.All(writers, sql => Assert.True(
            sql!.Contains("@Kind", StringComparison.Ordinal) || DeliveryKinds.All.Any(k => sql.Contains($"'{k}'", StringComparison.Ordinal)), sql));

        var order = await shop.PaidOrderAsync(app);
        using var admin = await SupportSession.AdminAsync(app);
        await CreateAndSendAsync(admin);
        await WaitForNoticeMailAsync(app);
        var kinds = await Kinds();
        Assert.All(kinds, k => Assert.Contains(k, DeliveryKinds.All));
        Assert.Equal(["license", "privacy-notice"], kinds.Order(StringComparer.Ordinal));
        Assert.Equal(order.OrderNumber, await Scalar("SELECT o.order_number FROM deliveries d JOIN orders o ON o.id = d.order_id WHERE d.kind = 'privacy-notice'"));
    }

    [Fact]
    public async Task TheConsentPageIsRateLimitedPerClient()
    {
        await using var limited = new OrdersApp(settings: new() { ["RateLimits:ConsentPerMinute"] = "3" });
        using var client = limited.Http();
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync("/privacy/notices/1?token=guess" + i);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        using var refused = await client.GetAsync("/privacy/notices/1?token=guess3");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
    }

    private async Task<List<string>> Kinds()
    {
        await using var connection = await app.Db.OpenAsync(CancellationToken.None);
        return [.. await connection.QueryAsync<string>("SELECT DISTINCT kind FROM deliveries")];
    }

    private Task<string?> ChosenAtAsync(long recipientId) =>
        Scalar("SELECT chosen_at FROM privacy_notice_recipients WHERE id = @Id", new { Id = recipientId });

    private async Task<string?> Scalar(string sql, object? args = null)
    {
        await using var connection = await app.Db.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<string>(sql, args);
    }

    private static async Task<string> NotFoundBodyAsync(SupportSession customer, string url)
    {
        using var response = await customer.Http.GetAsync(url);
        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{url}: {(int)response.StatusCode}");
        return await response.Content.ReadAsStringAsync();
    }
}
