using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using MimeKit;
using Orders.Api.Support;
using Orders.Licensing;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Support;

// The two checkout mistakes support fixes: a mistyped e-mail address and a misspelt licensee name.
public sealed class SupportCorrectionTests : ServiceTest
{
    [Fact]
    public async Task SupportChangesAMistypedAddressAndTheLicenseGoesToTheNewAddressOnly()
    {
        var order = await shop.PaidOrderAsync(app, email: "ada@exmaple.com");
        using var support = await SupportSession.SupportAsync(app);

        using var response = await support.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/email", new { email = "Ada@Example.com" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var deliveryId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deliveryId").GetInt64();
        var mails = await shop.WaitForMailsAsync(order.OrderNumber, 2);
        var recipients = new List<string>();
        foreach (var file in mails)
        {
            var message = await MimeMessage.LoadAsync(file);
            recipients.AddRange(message.To.Mailboxes.Select(m => m.Address));
            if (message.To.Mailboxes.Any(m => m.Address == "Ada@Example.com"))
            {
                Assert.Contains(order.LicenseKey, message.TextBody, StringComparison.Ordinal);
            }
        }

        // The original went to the mistyped address before the change; nothing after it does.
        Assert.Equal(["Ada@Example.com", "ada@exmaple.com"], recipients.Order(StringComparer.Ordinal));
        var view = await support.OrderAsync(order.OrderNumber);
        Assert.Equal("Ada@Example.com", view.GetProperty("email").GetString());
        Assert.Equal("Ada@Example.com", view.GetProperty("deliveries").EnumerateArray().Single(d => d.GetProperty("id").GetInt64() == deliveryId).GetProperty("toAddress").GetString());

        // Found by the new address in any case (email_lower follows), no longer by the old one.
        Assert.Single((await support.SearchAsync("ada@example.com")).GetProperty("orders").EnumerateArray());
        Assert.Empty((await support.SearchAsync("ada@exmaple.com")).GetProperty("orders").EnumerateArray());

        using var admin = await SupportSession.AdminAsync(app);
        var audit = Assert.Single(await admin.AuditAsync(orderNumber: order.OrderNumber, action: AuditActions.EmailChanged));
        Assert.Equal("sam", audit.GetProperty("actor").GetString());
        Assert.Equal($"e-mail address changed; license e-mail #{deliveryId} to the new address", audit.GetProperty("detail").GetString());
        Assert.DoesNotContain(app.Logs.Lines, l => l.Contains("xample.com", StringComparison.OrdinalIgnoreCase) || l.Contains("xmaple.com", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("Staff changed the e-mail address", view.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("title").GetString()).Concat(
            (await support.OrderAsync(order.OrderNumber)).GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("title").GetString())));
    }

    [Theory]
    [InlineData("not an address")]
    [InlineData("ada@localhost")]
    [InlineData("Ada <ada@example.com>")]
    [InlineData("4111111111111111@example.com")]
    public async Task AnAddressCheckoutWouldRefuseIsRefusedAndChangesNothing(string email)
    {
        var order = await shop.PaidOrderAsync(app);
        using var support = await SupportSession.SupportAsync(app);

        using var response = await support.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/email", new { email });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("email", out _));
        Assert.Equal("ada@example.com", (await support.OrderAsync(order.OrderNumber)).GetProperty("email").GetString());
    }

    [Fact]
    public async Task TheAddressOfAnErasedOrderCannotBeChanged()
    {
        var order = await shop.PaidOrderAsync(app, email: "erase.me@example.com");
        using var admin = await SupportSession.AdminAsync(app);
        using (var erased = await admin.PostJsonAsync("/api/support/customers/erase", new { email = "erase.me@example.com" }))
        {
            Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        }

        using var response = await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/email", new { email = "new.me@example.com" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Empty(await admin.AuditAsync(orderNumber: order.OrderNumber, action: AuditActions.EmailChanged));
        Assert.DoesNotContain("/email\"", await admin.PageAsync($"/support/orders/{order.OrderNumber}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheConsolePageChangesTheAddress()
    {
        var order = await shop.PaidOrderAsync(app, email: "typo@exmaple.com");
        using var support = await SupportSession.SupportAsync(app);
        Assert.Contains($"/support/orders/{order.OrderNumber}/email", await support.PageAsync($"/support/orders/{order.OrderNumber}"), StringComparison.Ordinal);

        using (var bad = await support.PostFormAsync($"/support/orders/{order.OrderNumber}/email", $"/support/orders/{order.OrderNumber}/email", new() { ["value"] = "nope" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("data-testid=\"correction-error\"", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var changed = await support.PostFormAsync($"/support/orders/{order.OrderNumber}/email", $"/support/orders/{order.OrderNumber}/email",
            new() { ["value"] = "typo@example.com" });

        Assert.Equal(HttpStatusCode.SeeOther, changed.StatusCode);
        Assert.EndsWith("notice=email-changed", changed.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal("typo@example.com", (await support.OrderAsync(order.OrderNumber)).GetProperty("email").GetString());
    }

    [Fact]
    public async Task AnAdminCorrectsTheLicenseeNameWithANewKeyAndTheOldOneIsRevokedWithoutARevocationEmail()
    {
        var order = await shop.PaidOrderAsync(app, licenseeName: "Ada Lovelance");
        var oldId = LicenseVerifier.Verify(order.LicenseKey, await PublicKeyPemAsync()).License!.LicenseId;
        var before = await RevocationsAsync();
        using var support = await SupportSession.SupportAsync(app);
        using (var refused = await support.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/licensee", new { licenseeName = "Ada Lovelace" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using var admin = await SupportSession.AdminAsync(app);
        using var response = await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/licensee", new { licenseeName = " Ada Lovelace " });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, body.GetProperty("licenseLine").GetInt32());

        // The old license is on the next revocation list, under a greater number.
        var after = await RevocationsAsync();
        Assert.True(after.Sequence > before.Sequence);
        Assert.True(after.IsRevoked(oldId));

        // The new key, with the corrected name, is mailed and verifies.
        var mails = await shop.WaitForMailsAsync(order.OrderNumber, 2);
        var view = await admin.OrderAsync(order.OrderNumber);
        var licenses = view.GetProperty("licenses").EnumerateArray().ToList();
        Assert.Equal([(1, "revoked"), (2, "active")], licenses.Select(l => (l.GetProperty("lineNo").GetInt32(), l.GetProperty("status").GetString()!)));
        Assert.Equal(OrderCorrections.LicenseeCorrectedReason, licenses[0].GetProperty("revokeReason").GetString());
        var newKey = licenses[1].GetProperty("key").GetString()!;
        var verified = LicenseVerifier.Verify(newKey, await PublicKeyPemAsync(), after);
        Assert.True(verified.IsValid, verified.Message);
        Assert.Equal("Ada Lovelace", verified.License!.LicenseeName);
        Assert.Equal(order.OrderNumber, verified.License.OrderNumber);
        Assert.Equal(LicenseInvalidReason.Revoked, LicenseVerifier.Verify(order.LicenseKey, await PublicKeyPemAsync(), after).Reason);
        var newMail = Assert.Single(await Task.WhenAll(mails.Select(f => MimeMessage.LoadAsync(f))), m => (m.TextBody ?? "").Contains(newKey, StringComparison.Ordinal));
        Assert.Equal("ada@example.com", Assert.Single(newMail.To.Mailboxes).Address);
        Assert.Contains("Ada Lovelace", newMail.TextBody ?? "", StringComparison.Ordinal);
        Assert.Equal("Ada Lovelace", view.GetProperty("licenseeName").GetString());

        // No "your license was revoked" e-mail: the new key's e-mail is what the customer gets.
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'"), n => n == 0, what: "every e-mail sent");
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE kind = 'revocation'"));
        Assert.Equal(2, (await shop.WaitForMailsAsync(order.OrderNumber, 2)).Length);

        var audit = Assert.Single(await admin.AuditAsync(orderNumber: order.OrderNumber, action: AuditActions.LicenseeCorrected));
        Assert.StartsWith("licensee name corrected: 1 license(s) revoked, license line 2 issued, e-mail #", audit.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Lovel", audit.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Ada\u202ELovelace")]
    [InlineData("")]
    [InlineData("4111 1111 1111 1111")]
    public async Task ALicenseeNameCheckoutWouldRefuseIsRefusedAndTheLicenseStays(string licenseeName)
    {
        var order = await shop.PaidOrderAsync(app);
        using var admin = await SupportSession.AdminAsync(app);

        using var response = await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/licensee", new { licenseeName });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("licenseeName", out _));
        var license = Assert.Single((await admin.OrderAsync(order.OrderNumber)).GetProperty("licenses").EnumerateArray());
        Assert.Equal("active", license.GetProperty("status").GetString());
    }

    [Fact]
    public async Task TheConsolePageCorrectsTheLicenseeName()
    {
        var order = await shop.PaidOrderAsync(app, licenseeName: "Grace Hoper");
        using var admin = await SupportSession.AdminAsync(app);
        Assert.Contains($"/support/orders/{order.OrderNumber}/licensee", await admin.PageAsync($"/support/orders/{order.OrderNumber}"), StringComparison.Ordinal);

        using var corrected = await admin.PostFormAsync($"/support/orders/{order.OrderNumber}/licensee", $"/support/orders/{order.OrderNumber}/licensee",
            new() { ["value"] = "Grace Hopper" });

        Assert.Equal(HttpStatusCode.SeeOther, corrected.StatusCode);
        Assert.EndsWith("notice=licensee-corrected", corrected.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal("Grace Hopper", (await admin.OrderAsync(order.OrderNumber)).GetProperty("licenseeName").GetString());
    }

    private async Task<string> PublicKeyPemAsync() =>
        (await shop.Http.GetFromJsonAsync<JsonElement>("/api/licenses/public-key")).GetProperty("publicKeyPem").GetString()!;

    private async Task<RevocationList> RevocationsAsync()
    {
        using var response = await shop.Http.GetAsync("/api/licenses/revocations");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var all = await shop.Http.GetFromJsonAsync<JsonElement[]>("/api/licenses/public-keys");
        using var ring = new LicenseKeyRing(all!.ToDictionary(k => k.GetProperty("keyId").GetString()!, k => k.GetProperty("publicKeyPem").GetString()!));
        var verified = RevocationList.Verify(await response.Content.ReadAsByteArrayAsync(), ring);
        Assert.True(verified.IsValid, verified.Message);
        return verified.List!;
    }
}
