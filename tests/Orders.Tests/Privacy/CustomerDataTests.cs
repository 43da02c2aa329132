using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Orders.Api.Support;
using Orders.Tests.Infrastructure;
using Orders.Tests.Support;

namespace Orders.Tests.Privacy;

// Export and erasure of one customer's data (issue: privacy promises), through the real API and
// console against a real SQLite file.
public sealed class CustomerDataTests : ServiceTest
{
    [Fact]
    public async Task TheExportHoldsEverythingAboutTheCustomerAndNothingAboutAnyoneElse()
    {
        var first = await shop.PaidOrderAsync(app, email: "grace.hopper@example.com", licenseeName: "Grace Hopper");
        // The same customer, typing her address with capitals this time.
        var second = await shop.PaidOrderAsync(app, email: "Grace.Hopper@Example.com", licenseeName: "Grace B. Hopper");
        var other = await shop.PaidOrderAsync(app, email: "alan.turing@example.com", licenseeName: "Alan Turing");
        using (var support = await SupportSession.SupportAsync(app))
        {
            (await support.PostJsonAsync($"/api/support/orders/{first.OrderNumber}/resend", new { })).Dispose();
            (await support.PostJsonAsync($"/api/support/orders/{other.OrderNumber}/resend", new { })).Dispose();
        }

        using var admin = await SupportSession.AdminAsync(app);
        using var response = await admin.Http.GetAsync("/api/support/customers/export?email=" + Uri.EscapeDataString("GRACE.HOPPER@example.com"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();
        var export = JsonDocument.Parse(text).RootElement;

        var orders = export.GetProperty("orders").EnumerateArray().ToList();
        Assert.Equal([first.OrderNumber, second.OrderNumber], orders.Select(o => o.GetProperty("orderNumber").GetString()));
        Assert.Equal(["grace.hopper@example.com", "Grace.Hopper@Example.com"], orders.Select(o => o.GetProperty("email").GetString()));
        Assert.Equal([first.LicenseKey, second.LicenseKey], orders.Select(o => o.GetProperty("licenses")[0].GetProperty("key").GetString()));
        Assert.Equal(2, orders[0].GetProperty("deliveries").GetArrayLength()); // the license e-mail and the resend
        Assert.All(orders, o => Assert.True(o.GetProperty("providerEvents").GetArrayLength() > 0));
        Assert.Contains(export.GetProperty("auditEntries").EnumerateArray(), a => a.GetProperty("action").GetString() == AuditActions.Resend);
        Assert.Equal(JsonValueKind.Array, export.GetProperty("privacyNoticeConsents").ValueKind);

        // Nobody else's data.
        foreach (var foreign in new[] { other.OrderNumber, "alan.turing@example.com", "Alan Turing", other.LicenseKey, other.CaptureId })
        {
            Assert.DoesNotContain(foreign, text, StringComparison.OrdinalIgnoreCase);
        }

        // Audited on each of the customer's orders, without the address.
        var audited = await admin.AuditAsync(action: AuditActions.CustomerExported);
        Assert.Equal(new[] { first.OrderNumber, second.OrderNumber }.Order(), audited.Select(a => a.GetProperty("orderNumber").GetString()!).Order());
        Assert.All(audited, a => Assert.DoesNotContain("grace", a.GetRawText(), StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task ErasureLeavesNoTraceOfTheAddressOrNameInTheDatabaseFileWhileTheOrderStaysForBookkeeping()
    {
        const string Email = "zelda.quimby.erasure@example.com";
        const string Name = "Zelda Quimby-Erasure";
        var order = await shop.PaidOrderAsync(app, email: Email, licenseeName: Name);
        var bystander = await shop.PaidOrderAsync(app, email: "keep.me@example.com", licenseeName: "Kept Customer");
        using var admin = await SupportSession.AdminAsync(app);
        (await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/resend", new { })).Dispose();
        await shop.WaitForMailsAsync(order.OrderNumber, 2);
        using (var revoke = await admin.PostJsonAsync($"/api/support/orders/{bystander.OrderNumber}/revoke", new { reason = "test of a revoke that stays" }))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        using var response = await admin.PostJsonAsync("/api/support/customers/erase", new { email = "Zelda.Quimby.Erasure@example.com" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var summary = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, summary.GetProperty("ordersErased").GetInt32());
        Assert.Equal(1, summary.GetProperty("licenseKeysErased").GetInt32());
        Assert.Equal(2, summary.GetProperty("emailsErased").GetInt32());

        // Bookkeeping stays; the license stays active (its key keeps working offline).
        var kept = await admin.OrderAsync(order.OrderNumber);
        Assert.Equal("paid", kept.GetProperty("status").GetString());
        Assert.Equal(4900, kept.GetProperty("totalMinor").GetInt64());
        Assert.Equal(order.CaptureId, kept.GetProperty("providerTransactionRef").GetString());
        Assert.Equal("[erased]", kept.GetProperty("email").GetString());
        Assert.Equal("[erased]", kept.GetProperty("licenseeName").GetString());
        Assert.Equal(JsonValueKind.String, kept.GetProperty("erasedAt").ValueKind);
        Assert.Equal("active", kept.GetProperty("licenses")[0].GetProperty("status").GetString());
        Assert.All(kept.GetProperty("deliveries").EnumerateArray(), d => Assert.Equal("[erased]", d.GetProperty("toAddress").GetString()));
        Assert.False(kept.GetProperty("actions").GetProperty("canResend").GetBoolean());

        // Nothing can be sent to it any more, and the lookups say why.
        using (var resend = await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/resend", new { }))
        {
            Assert.Equal(HttpStatusCode.Conflict, resend.StatusCode);
            Assert.Contains("erased", await resend.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Contains("data-testid=\"erased\"", await admin.PageAsync($"/support/orders/{order.OrderNumber}"), StringComparison.Ordinal);
        var statusPage = await shop.Http.GetStringAsync(order.Checkout.StatusUrl);
        Assert.Contains("data-testid=\"erased\"", statusPage, StringComparison.Ordinal);
        Assert.DoesNotContain(Name, statusPage, StringComparison.Ordinal);
        var customerView = await shop.OrderAsync(order.Checkout);
        Assert.Equal("paid", customerView!.Status);

        // Audited, without the address.
        var erased = Assert.Single(await admin.AuditAsync(orderNumber: order.OrderNumber, action: AuditActions.CustomerErased));
        Assert.Equal("alice", erased.GetProperty("actor").GetString());
        Assert.DoesNotContain("zelda", erased.GetRawText(), StringComparison.OrdinalIgnoreCase);

        // The copies of the e-mails in the pickup directory went too; the bystander's stayed.
        Assert.Empty(Directory.GetFiles(app.OutboxDirectory, $"*-{order.OrderNumber}.eml"));
        Assert.NotEmpty(Directory.GetFiles(app.OutboxDirectory, $"*-{bystander.OrderNumber}.eml"));

        // Not a byte of the address, the name or the key text (which embeds the name) is left in
        // the database file or its write-ahead log, while the bystander's data is all there.
        var bytes = ReadDatabaseBytes();
        foreach (var trace in new[] { Email, Name, "zelda", "Quimby", order.LicenseKey })
        {
            Assert.Equal(-1, IndexOf(bytes, trace));
        }

        Assert.NotEqual(-1, IndexOf(bytes, "keep.me@example.com"));
        Assert.NotEqual(-1, IndexOf(bytes, order.OrderNumber));

        // A second erasure finds nothing: the address is not stored anywhere any more.
        using var again = await admin.PostJsonAsync("/api/support/customers/erase", new { email = Email });
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task TheExportCarriesTheAnswerToAPrivacyNoticeAndTheErasureKeepsOnlyTheAnonymousAnswer()
    {
        var order = await shop.PaidOrderAsync(app, email: "consent.giver@example.com");
        using var admin = await SupportSession.AdminAsync(app);
        var noticeId = await NoticeTestKit.CreateAndSendAsync(admin);
        var (path, recipientId, token) = NoticeTestKit.ConsentLink(await NoticeTestKit.WaitForNoticeMailAsync(app));
        using var customer = SupportSession.Anonymous(app);
        using (var declined = await customer.PostFormAsync(path, $"/privacy/notices/{recipientId}", new() { ["token"] = token, ["choice"] = "declined" }))
        {
            Assert.Equal(HttpStatusCode.SeeOther, declined.StatusCode);
        }

        // The customer sees the answer on their own order page too.
        var statusPage = await shop.Http.GetStringAsync(order.Checkout.StatusUrl);
        Assert.Contains("A new use of your e-mail address", statusPage, StringComparison.Ordinal);
        Assert.Contains("you did not agree on", statusPage, StringComparison.Ordinal);

        var export = await admin.GetJsonAsync("/api/support/customers/export?email=Consent.Giver%40example.com");
        var consent = Assert.Single(export.GetProperty("privacyNoticeConsents").EnumerateArray());
        Assert.Equal(noticeId, consent.GetProperty("noticeId").GetInt64());
        Assert.Equal("A new use of your e-mail address", consent.GetProperty("subject").GetString());
        Assert.Equal("declined", consent.GetProperty("choice").GetString());
        Assert.Equal(JsonValueKind.String, consent.GetProperty("chosenAt").ValueKind);

        using (var erase = await admin.PostJsonAsync("/api/support/customers/erase", new { email = "consent.giver@example.com" }))
        {
            Assert.Equal(HttpStatusCode.OK, erase.StatusCode);
            Assert.Equal(1, (await erase.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("consentRecordsErased").GetInt32());
        }

        // The copy of the notice e-mail in the pickup directory went with the rest.
        Assert.Empty(NoticeTestKit.NoticeMails(app));

        // The answer still counts for the notice; whose answer it was is gone, and so is the link.
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM privacy_notice_recipients WHERE choice = 'declined' AND email_lower LIKE 'erased:%'"));
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM privacy_notice_recipients WHERE email_lower LIKE '%consent.giver%'"));
        using var gone = await customer.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task APaymentThatArrivesAfterTheErasureGoesToReviewInsteadOfLicensingATombstone()
    {
        var checkout = await shop.CheckoutAsync(email: "late.payer@example.com", licenseeName: "Late Payer");
        await using (var connection = await app.Db.OpenAsync(CancellationToken.None))
        {
            // As the expiry job leaves an order nobody paid for in time.
            await connection.ExecuteAsync(ExpireSql, new { checkout.OrderNumber });
        }

        using var admin = await SupportSession.AdminAsync(app);
        using (var erase = await admin.PostJsonAsync("/api/support/customers/erase", new { email = "late.payer@example.com" }))
        {
            Assert.Equal(HttpStatusCode.OK, erase.StatusCode);
        }

        // The customer paid at PayPal after all.
        var captureId = await shop.PaidAtPayPalSilentlyAsync(checkout);
        using var webhook = await shop.PostSignedWebhookAsync(
            PayPalEventsFactory.CaptureEvent("PAYMENT.CAPTURE.COMPLETED", checkout.OrderNumber, checkout.PayPalOrderId, captureId, "49.00"));
        Assert.Equal(HttpStatusCode.OK, webhook.StatusCode);

        Assert.Equal("review", (await shop.WaitForStatusAsync(checkout, "review"))!.Status);
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM licenses"));
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM deliveries"));
        var view = await admin.OrderAsync(checkout.OrderNumber);
        Assert.True(view.GetProperty("actions").GetProperty("canRefund").GetBoolean());
    }

    private const string ExpireSql = "UPDATE orders SET status = 'expired' WHERE order_number = @OrderNumber";

    [Fact]
    public async Task OnlyAdminsExportOrEraseAndBadInputGetsProblems()
    {
        await shop.PaidOrderAsync(app, email: "carol@example.com");
        using var support = await SupportSession.SupportAsync(app);
        using (var forbidden = await support.Http.GetAsync("/api/support/customers/export?email=carol@example.com"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        using (var forbidden = await support.PostJsonAsync("/api/support/customers/erase", new { email = "carol@example.com" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        using (var anonymous = await shop.Http.GetAsync("/api/support/customers/export?email=carol@example.com"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using var admin = await SupportSession.AdminAsync(app);
        foreach (var (path, expected) in new[]
                 {
                     ("/api/support/customers/export", HttpStatusCode.BadRequest),
                     ("/api/support/customers/export?email=not-an-address", HttpStatusCode.BadRequest),
                     ("/api/support/customers/export?email=" + new string('a', 300) + "@example.com", HttpStatusCode.BadRequest),
                     ("/api/support/customers/export?email=nobody@example.com", HttpStatusCode.NotFound),
                 })
        {
            using var response = await admin.Http.GetAsync(path);
            Assert.Equal(expected, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        using (var form = new StringContent("email=carol@example.com", Encoding.UTF8, "application/x-www-form-urlencoded"))
        using (var notJson = await admin.Http.PostAsync("/api/support/customers/erase", form))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, notJson.StatusCode);
        }

        using (var empty = await admin.PostJsonAsync("/api/support/customers/erase", new { }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        }

        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM orders WHERE erased_at IS NOT NULL"));
    }

    [Fact]
    public async Task TheConsoleAsksForTheAddressAgainBeforeErasing()
    {
        var order = await shop.PaidOrderAsync(app, email: "dora@example.com", licenseeName: "Dora Explorer");
        using var admin = await SupportSession.AdminAsync(app);

        var page = await admin.PageAsync("/support/customers?email=dora%40example.com");
        Assert.Contains(order.OrderNumber, page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"export-link\"", page, StringComparison.Ordinal);
        using (var download = await admin.Http.GetAsync("/support/customers/export?email=dora%40example.com"))
        {
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Contains(order.LicenseKey, await download.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var mismatch = await admin.PostFormAsync("/support/customers/erase?email=dora%40example.com", "/support/customers/erase",
                   new() { ["email"] = "dora@example.com", ["confirm"] = "someone@example.com" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);
            Assert.Contains("does not match", await mismatch.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM orders WHERE erased_at IS NOT NULL"));

        using (var confirmed = await admin.PostFormAsync("/support/customers/erase?email=dora%40example.com", "/support/customers/erase",
                   new() { ["email"] = "dora@example.com", ["confirm"] = "Dora@Example.com" }))
        {
            Assert.Equal(HttpStatusCode.SeeOther, confirmed.StatusCode);
            Assert.Equal("/support/customers?erased=1", confirmed.Headers.Location?.OriginalString);
        }

        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM orders WHERE erased_at IS NOT NULL AND email = '[erased]'"));
        Assert.Contains("data-testid=\"erased-notice\"", await admin.PageAsync("/support/customers?erased=1"), StringComparison.Ordinal);

        // Support staff (not admins) do not see these pages at all.
        using var support = await SupportSession.SupportAsync(app);
        using var refused = await support.Http.GetAsync("/support/customers");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    private byte[] ReadDatabaseBytes()
    {
        using var output = new MemoryStream();
        foreach (var path in new[] { app.DatabasePath, app.DatabasePath + "-wal" })
        {
            if (File.Exists(path))
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                file.CopyTo(output);
            }
        }

        return output.ToArray();
    }

    private static int IndexOf(byte[] haystack, string text) => haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text));
}
