using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Orders.Api.Hosting;
using Orders.Licensing;
using Orders.Tests.Infrastructure;
using Orders.Tests.Support;

namespace Orders.Tests.Licensing;

// GET /api/licenses/revocations: the signed list desktop programs download to learn which licenses
// were revoked, numbered so that a program never takes an older list for a newer one.
public sealed class RevocationListTests : IAsyncLifetime
{
    private const string ListPath = "/api/licenses/revocations";

    private readonly OrdersApp app = new();
    private Shop shop = null!;

    public ValueTask InitializeAsync()
    {
        shop = new Shop(app);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => app.DisposeAsync();

    [Fact]
    public async Task AStaffRefundPutsTheLicenseOnTheNextListUnderAGreaterNumber()
    {
        var order = await shop.PaidOrderAsync(app);
        var licenseId = LicenseIdOf(order.LicenseKey);
        var before = await FetchAsync(shop);
        Assert.False(before.IsRevoked(licenseId));
        Assert.True(LicenseVerifier.Verify(order.LicenseKey, await PublicKeyPemAsync(shop), before).IsValid);

        using var admin = await SupportSession.AdminAsync(app);
        using (var refunded = await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/refund", new { reason = "customer bought the wrong edition" }))
        {
            Assert.Equal(HttpStatusCode.OK, refunded.StatusCode);
        }

        var after = await FetchAsync(shop);
        Assert.True(after.IsRevoked(licenseId));
        Assert.True(after.Sequence > before.Sequence, $"the number went from {before.Sequence} to {after.Sequence}");
        Assert.Equal([licenseId], after.RevokedLicenseIds);
        var verdict = LicenseVerifier.Verify(order.LicenseKey, await PublicKeyPemAsync(shop), after);
        Assert.False(verdict.IsValid);
        Assert.Equal(LicenseInvalidReason.Revoked, verdict.Reason);

        // A program that kept the list from before the refund takes the new one; the old one, served
        // again, no longer.
        using var ring = await KeyRingAsync(shop);
        Assert.True(RevocationList.Accept(after.ToArray(), ring, before).IsValid);
        Assert.Equal(RevocationListInvalidReason.Older, RevocationList.Accept(before.ToArray(), ring, after).Reason);
    }

    [Fact]
    public async Task ARefundThePaymentProviderReportsAndAStaffRevocationEachMoveTheListOn()
    {
        var refundedAtPayPal = await shop.PaidOrderAsync(app);
        var revokedByStaff = await shop.PaidOrderAsync(app, email: "grace@example.com", licenseeName: "Grace Hopper");
        var start = await FetchAsync(shop);

        // Refunded in PayPal's dashboard: PayPal's webhook is confirmed and applied.
        await shop.RefundAtPayPalAsync(await shop.CaptureIdAtPayPalAsync(refundedAtPayPal.Checkout), "49.00");
        await shop.WaitForStatusAsync(refundedAtPayPal.Checkout, "refunded");
        var afterRefund = await FetchAsync(shop);
        Assert.Equal([LicenseIdOf(refundedAtPayPal.LicenseKey)], afterRefund.RevokedLicenseIds);
        Assert.True(afterRefund.Sequence > start.Sequence);

        using var admin = await SupportSession.AdminAsync(app);
        using (var revoked = await admin.PostJsonAsync($"/api/support/orders/{revokedByStaff.OrderNumber}/revoke", new { reason = "key shared online" }))
        {
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        }

        var afterRevoke = await FetchAsync(shop);
        Assert.Equal(new[] { LicenseIdOf(refundedAtPayPal.LicenseKey), LicenseIdOf(revokedByStaff.LicenseKey) }.Order(StringComparer.Ordinal),
            afterRevoke.RevokedLicenseIds);
        Assert.True(afterRevoke.Sequence > afterRefund.Sequence);

        // Asking to revoke again revokes nothing and leaves the number alone.
        using (var again = await admin.PostJsonAsync($"/api/support/orders/{revokedByStaff.OrderNumber}/revoke", new { reason = "key shared online" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }

        Assert.Equal(afterRevoke.Sequence, (await FetchAsync(shop)).Sequence);
    }

    [Fact]
    public async Task AReversalAndALicenseTheResellerDisabledMoveTheListOnToo()
    {
        var reseller = new Orders.Tests.Avangate.AvangateShop(app, shop);
        var reversed = await reseller.CheckoutAsync();
        var reversedRef = await reseller.PayAsync(reversed);
        var disabled = await reseller.CheckoutAsync(email: "bo@example.com");
        var disabledRef = await reseller.PayAsync(disabled);
        var reversedKey = (await shop.WaitForStatusAsync(reversed, "paid"))!.Licenses[0].Key;
        var disabledKey = (await shop.WaitForStatusAsync(disabled, "paid"))!.Licenses[0].Key;
        var start = await FetchAsync(shop);

        (await shop.Http.PostAsync($"/sandbox/avangate/orders/{reversedRef}/reverse", null)).Dispose();
        await shop.WaitForStatusAsync(reversed, "reversed");
        var afterReversal = await FetchAsync(shop);
        Assert.Equal([LicenseIdOf(reversedKey)], afterReversal.RevokedLicenseIds);
        Assert.True(afterReversal.Sequence > start.Sequence);

        (await shop.Http.PostAsync($"/sandbox/avangate/orders/{disabledRef}/lcn?status=DISABLED", null)).Dispose();
        await Eventually.GetAsync(() => shop.OrderAsync(disabled), o => o!.Licenses[0].Status == "revoked", what: "license revoked");
        var afterDisabled = await FetchAsync(shop);
        Assert.True(afterDisabled.IsRevoked(LicenseIdOf(disabledKey)));
        Assert.True(afterDisabled.Sequence > afterReversal.Sequence);
    }

    [Fact]
    public async Task TheListIsCachedPubliclyByAStrongETagAndAnsweredNotModified()
    {
        var keyId = (await shop.Http.GetFromJsonAsync<JsonElement>("/api/licenses/public-key")).GetProperty("keyId").GetString();

        using var first = await shop.Http.GetAsync(ListPath);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("application/octet-stream", first.Content.Headers.ContentType!.MediaType);
        var etag = first.Headers.ETag!;
        Assert.False(etag.IsWeak);
        Assert.EndsWith($"-{keyId}\"", etag.Tag, StringComparison.Ordinal);
        var cacheControl = first.Headers.CacheControl!;
        Assert.True(cacheControl.Public);
        Assert.Equal(TimeSpan.FromMinutes(5), cacheControl.MaxAge);
        Assert.True(cacheControl.NoTransform);
        Assert.False(first.Headers.Contains("Set-Cookie"));
        var list = RevocationList.Verify(await first.Content.ReadAsByteArrayAsync(), await PublicKeyPemAsync(shop)).List!;
        Assert.Equal($"\"{list.Sequence}-{keyId}\"", etag.Tag);

        using (var notModified = await GetIfNoneMatchAsync(etag))
        {
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
            Assert.Equal(etag, notModified.Headers.ETag);
            Assert.True(notModified.Headers.CacheControl!.Public);
            Assert.False(notModified.Headers.Contains("Set-Cookie"));
        }

        // Once a license is revoked the kept ETag no longer matches: the new list comes.
        var order = await shop.PaidOrderAsync(app);
        using var admin = await SupportSession.AdminAsync(app);
        (await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/revoke", new { reason = "key shared online" })).Dispose();
        using var changed = await GetIfNoneMatchAsync(etag);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(etag, changed.Headers.ETag);
        Assert.True(RevocationList.Verify(await changed.Content.ReadAsByteArrayAsync(), await PublicKeyPemAsync(shop)).List!.IsRevoked(LicenseIdOf(order.LicenseKey)));

        // The same list is signed once: asking again gives the same bytes.
        using var repeated = await shop.Http.GetAsync(ListPath);
        Assert.Equal(await changed.Content.ReadAsByteArrayAsync(), await repeated.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task ATamperedByteOfTheServedListFailsVerificationWithTheServedPublicKey()
    {
        var order = await shop.PaidOrderAsync(app);
        using var admin = await SupportSession.AdminAsync(app);
        (await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/revoke", new { reason = "key shared online" })).Dispose();
        var bytes = await shop.Http.GetByteArrayAsync(ListPath);
        var publicKey = await PublicKeyPemAsync(shop);
        Assert.True(RevocationList.Verify(bytes, publicKey).IsValid);

        for (var position = 0; position < bytes.Length; position++)
        {
            var altered = (byte[])bytes.Clone();
            altered[position] ^= 0x20;
            var result = RevocationList.Verify(altered, publicKey);
            Assert.False(result.IsValid, $"the list with byte {position} changed was accepted");
        }
    }

    [Fact]
    public async Task AfterARestartTheListHasTheSameOrAGreaterNumberAndStillNamesTheLicense()
    {
        var dataDirectory = app.DataDirectory;
        var order = await shop.PaidOrderAsync(app);
        using (var admin = await SupportSession.AdminAsync(app))
        {
            (await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/revoke", new { reason = "key shared online" })).Dispose();
        }

        var before = await FetchAsync(shop);
        await app.DisposeAsync();

        await using var restarted = new OrdersApp(dataDirectory);
        var again = new Shop(restarted);
        using var ring = await KeyRingAsync(again);
        var accepted = RevocationList.Accept(await again.Http.GetByteArrayAsync(ListPath), ring, before);
        Assert.True(accepted.IsValid, accepted.Message);
        Assert.True(accepted.List!.Sequence >= before.Sequence);
        Assert.True(accepted.List.IsRevoked(LicenseIdOf(order.LicenseKey)));
    }

    [Fact]
    public async Task FetchingTheListIsCountedWithoutTheClientsNetwork()
    {
        (await shop.Http.GetAsync(ListPath)).Dispose();
        (await shop.Http.GetAsync("/api/licenses/public-key")).Dispose();
        app.Service<RequestLog>().Flush();

        var tallies = app.Logs.Lines.Where(l => l.Contains(" answered 200 ", StringComparison.Ordinal)).ToList();
        var list = Assert.Single(tallies, l => l.Contains("GET /api/licenses/revocations ", StringComparison.Ordinal));
        Assert.Contains("to networks not recorded |", list, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0", list, StringComparison.Ordinal);
        var other = Assert.Single(tallies, l => l.Contains("GET /api/licenses/public-key ", StringComparison.Ordinal));
        Assert.Contains("to 127.0.0.0/24 |", other, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesTheListAndItsAnswers()
    {
        var document = await shop.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var operation = document.GetProperty("paths").GetProperty(ListPath).GetProperty("get");
        var responses = operation.GetProperty("responses");

        Assert.Contains("signed", operation.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Contains("RevocationList.Accept", responses.GetProperty("200").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.True(responses.GetProperty("200").GetProperty("content").TryGetProperty("application/octet-stream", out _));
        Assert.Contains("If-None-Match", responses.GetProperty("304").GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> GetIfNoneMatchAsync(EntityTagHeaderValue etag)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, ListPath);
        request.Headers.IfNoneMatch.Add(etag);
        return await shop.Http.SendAsync(request);
    }

    private static async Task<RevocationList> FetchAsync(Shop shop)
    {
        using var response = await shop.Http.GetAsync(ListPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var ring = await KeyRingAsync(shop);
        var verified = RevocationList.Verify(await response.Content.ReadAsByteArrayAsync(), ring);
        Assert.True(verified.IsValid, verified.Message);
        return verified.List!;
    }

    private static async Task<string> PublicKeyPemAsync(Shop shop) =>
        (await shop.Http.GetFromJsonAsync<JsonElement>("/api/licenses/public-key")).GetProperty("publicKeyPem").GetString()!;

    private static async Task<LicenseKeyRing> KeyRingAsync(Shop shop)
    {
        var all = await shop.Http.GetFromJsonAsync<JsonElement[]>("/api/licenses/public-keys");
        return new LicenseKeyRing(all!.ToDictionary(k => k.GetProperty("keyId").GetString()!, k => k.GetProperty("publicKeyPem").GetString()!));
    }

    private static string LicenseIdOf(string licenseKey) =>
        LicenseKeyLookup.TryReadLicenseId(licenseKey, out var id) ? id : throw new InvalidOperationException("not a license key");
}
