using Orders.Licensing;
using Xunit;

namespace Orders.Licensing.Tests;

// LicenseKeyRing reads the keys once and answers exactly as LicenseVerifier's dictionary overload.
public sealed class KeyRingTests
{
    [Fact]
    public void RingVerifiesKeysOfEveryRegisteredSigningKeyOverAndOver()
    {
        using LicenseSigner old = TestLicenses.NewSigner("k2025");
        using LicenseSigner current = TestLicenses.NewSigner("k2026");
        using var ring = new LicenseKeyRing(new Dictionary<string, string>
        {
            ["k2025"] = old.ExportPublicKeyPem(),
            ["k2026"] = current.ExportPublicKeyPem(),
        });
        string oldKey = old.Sign(TestLicenses.Sample() with { OrderNumber = "ORD-OLD-1" });
        string newKey = current.Sign(TestLicenses.Sample() with { OrderNumber = "ORD-NEW-1" });

        for (int i = 0; i < 3; i++)
        {
            LicenseVerification oldResult = ring.Verify(oldKey);
            LicenseVerification newResult = ring.Verify(newKey);
            Assert.True(oldResult.IsValid, oldResult.Message);
            Assert.Equal("ORD-OLD-1", oldResult.License!.OrderNumber);
            Assert.True(newResult.IsValid, newResult.Message);
            Assert.Equal("k2026", newResult.KeyId);
        }

        Assert.Equal(["k2025", "k2026"], ring.KeyIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void RingGivesTheSameAnswersAsTheDictionaryOverload()
    {
        using LicenseSigner signer = TestLicenses.NewSigner("main");
        using LicenseSigner impostor = TestLicenses.NewSigner("main");
        using LicenseSigner stranger = TestLicenses.NewSigner("k2099");
        var keys = new Dictionary<string, string> { ["main"] = signer.ExportPublicKeyPem() };
        using var ring = new LicenseKeyRing(keys);
        string genuine = signer.Sign(TestLicenses.Sample());
        string[] texts = [genuine, impostor.Sign(TestLicenses.Sample()), stranger.Sign(TestLicenses.Sample()), "", "ORD1-ABCDE", genuine[..^2] + "AA", null!];

        foreach (string text in texts)
        {
            Assert.Equal(LicenseVerifier.Verify(text, keys), ring.Verify(text));
        }

        Assert.Equal(LicenseInvalidReason.BadSignature, ring.Verify(texts[1]).Reason);
        Assert.Equal(LicenseInvalidReason.UnknownKeyId, ring.Verify(texts[2]).Reason);
    }

    [Fact]
    public void RingRefusesABadKeyIdOrAnUnusableKeyWhenBuilt()
    {
        using LicenseSigner signer = TestLicenses.NewSigner();

        Assert.Throws<ArgumentNullException>(() => new LicenseKeyRing(null!));
        Assert.Throws<ArgumentException>(() => new LicenseKeyRing(new Dictionary<string, string> { ["bad id"] = signer.ExportPublicKeyPem() }));
        Assert.Throws<ArgumentException>(() => new LicenseKeyRing(new Dictionary<string, string>
        {
            ["k1"] = signer.ExportPublicKeyPem(),
            ["k2"] = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        }));
    }
}
