using System.Net.Http.Json;
using System.Text.Json;
using Orders.Licensing;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Licensing;

public sealed class KeyRotationTests
{
    [Fact]
    public async Task LicensesIssuedUnderARetiredKeyStillVerifyAfterRotation()
    {
        var oldPem = LicenseSigner.GeneratePrivateKeyPem();
        using var oldSigner = LicenseSigner.FromPem(oldPem, "k1");
        var oldLicense = oldSigner.Sign(new LicenseData(LicenseSigner.NewLicenseId(), "PHOTOSHRINK-PRO", "Old Customer", 1, "ORD-OLD000000000", new DateOnly(2026, 1, 2)));

        await using var app = new OrdersApp(settings: new()
        {
            ["Licensing:SigningKeyPem"] = LicenseSigner.GeneratePrivateKeyPem(),
            ["Licensing:KeyId"] = "k2",
            ["Licensing:RetiredPublicKeys:k1"] = oldSigner.ExportPublicKeyPem(),
        });
        var shop = new Shop(app);

        var current = await shop.Http.GetFromJsonAsync<JsonElement>("/api/licenses/public-key");
        Assert.Equal("k2", current.GetProperty("keyId").GetString());

        var all = await shop.Http.GetFromJsonAsync<JsonElement[]>("/api/licenses/public-keys");
        var byId = all!.ToDictionary(k => k.GetProperty("keyId").GetString()!, k => k.GetProperty("publicKeyPem").GetString()!);
        Assert.Equal(["k1", "k2"], byId.Keys.Order());

        var verified = LicenseVerifier.Verify(oldLicense, byId);
        Assert.True(verified.IsValid, verified.Message);

        // New licenses are issued under the new key and verify with the same set.
        var checkout = await shop.CheckoutAsync();
        var returnUrl = await shop.ApproveAsync(checkout);
        (await shop.Http.GetAsync(returnUrl.PathAndQuery)).Dispose();
        var order = await shop.WaitForStatusAsync(checkout, "paid");
        var fresh = LicenseVerifier.Verify(order!.Licenses[0].Key, byId);
        Assert.True(fresh.IsValid, fresh.Message);
        Assert.Equal("k2", fresh.KeyId);
    }
}
