using System.Security.Cryptography;
using Orders.Licensing;
using Xunit;

namespace Orders.Licensing.Tests;

public sealed class SigningAndVerifyingTests
{
    [Fact]
    public void SignedKeyVerifiesAndReturnsTheSameDataIncludingNonAsciiName()
    {
        using LicenseSigner signer = TestLicenses.NewSigner();
        LicenseData license = TestLicenses.Sample("Zoë Ångström 李");

        string key = signer.Sign(license);
        LicenseVerification result = LicenseVerifier.Verify(key, signer.ExportPublicKeyPem());

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(LicenseInvalidReason.None, result.Reason);
        Assert.Equal(license, result.License);
        Assert.Equal("k2026a", result.KeyId);
        Assert.Equal("The license key is valid.", result.Message);
    }

    [Theory]
    [InlineData("A")]
    [InlineData("  leading and trailing spaces are kept  ")]
    [InlineData("Emoji 👩‍💻 and combining e\u0301")]
    [InlineData("O'Brien & Søn, GmbH \"Süd\" — Ünïcödé")]
    public void UnusualButValidNamesRoundTripExactly(string name)
    {
        using LicenseSigner signer = TestLicenses.NewSigner();
        LicenseData license = TestLicenses.Sample(name);

        LicenseVerification result = LicenseVerifier.Verify(signer.Sign(license), signer.ExportPublicKeyPem());

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(license, result.License);
    }

    [Fact]
    public void LongestAllowedFieldsRoundTrip()
    {
        using LicenseSigner signer = TestLicenses.NewSigner("ABCDEFGHIJ-12345");
        var license = new LicenseData(new string('L', 40), new string('S', 64), new string('李', 200), 10_000,
            new string('9', 64), new DateOnly(9999, 12, 31));

        string key = signer.Sign(license);
        LicenseVerification result = LicenseVerifier.Verify(key, signer.ExportPublicKeyPem());

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(license, result.License);
        Assert.True(key.Length < LicenseKeyFormat.MaxInputLength / 4, $"longest key has {key.Length} characters");
    }

    [Fact]
    public void KeyTextUsesOnlyPrefixDigitsCapitalsAndDashesInGroupsOfFive()
    {
        using LicenseSigner signer = TestLicenses.NewSigner();

        string key = signer.Sign(TestLicenses.Sample());

        Assert.StartsWith("ORD1-", key, StringComparison.Ordinal);
        string[] groups = key.Split('-');
        Assert.All(groups[1..^1], g => Assert.Equal(5, g.Length));
        Assert.InRange(groups[^1].Length, 1, 5);
        Assert.All(string.Concat(groups[1..]), c => Assert.Contains(c, "0123456789ABCDEFGHJKMNPQRSTVWXYZ"));
    }

    [Fact]
    public void KeyForSixtyCharacterNameStaysUnderFourHundredCharacters()
    {
        using LicenseSigner signer = TestLicenses.NewSigner();
        LicenseData license = TestLicenses.Sample(new string('x', 60)) with { LicenseId = LicenseSigner.NewLicenseId() };

        string key = signer.Sign(license);

        Assert.True(key.Length < 400, $"key has {key.Length} characters: {key}");
    }

    [Fact]
    public void SigningTheSameDataTwiceGivesDifferentKeysThatBothVerify()
    {
        using LicenseSigner signer = TestLicenses.NewSigner();
        LicenseData license = TestLicenses.Sample();

        string first = signer.Sign(license);
        string second = signer.Sign(license);

        Assert.NotEqual(first, second);
        Assert.True(LicenseVerifier.Verify(first, signer.ExportPublicKeyPem()).IsValid);
        Assert.True(LicenseVerifier.Verify(second, signer.ExportPublicKeyPem()).IsValid);
    }

    [Fact]
    public void KeyCheckedWithAnotherVendorKeyHasBadSignature()
    {
        using LicenseSigner signer = TestLicenses.NewSigner();
        using LicenseSigner impostor = TestLicenses.NewSigner();
        string key = signer.Sign(TestLicenses.Sample());

        LicenseVerification result = LicenseVerifier.Verify(key, impostor.ExportPublicKeyPem());

        Assert.False(result.IsValid);
        Assert.Equal(LicenseInvalidReason.BadSignature, result.Reason);
        Assert.Null(result.License);
        Assert.Equal("The signature does not match: the key was altered or was not issued by this vendor.", result.Message);
    }

    [Fact]
    public void KeySignedByImpostorUsingOurKeyIdHasBadSignature()
    {
        using LicenseSigner signer = TestLicenses.NewSigner("main");
        using LicenseSigner impostor = TestLicenses.NewSigner("main");
        var keys = new Dictionary<string, string> { ["main"] = signer.ExportPublicKeyPem() };

        LicenseVerification result = LicenseVerifier.Verify(impostor.Sign(TestLicenses.Sample()), keys);

        Assert.Equal(LicenseInvalidReason.BadSignature, result.Reason);
        Assert.Equal("main", result.KeyId);
    }

    [Fact]
    public void KeyWithUnknownKeyIdIsReportedAsUnknownKeyId()
    {
        using LicenseSigner signer = TestLicenses.NewSigner("k2027");
        using LicenseSigner other = TestLicenses.NewSigner("k2026");
        var keys = new Dictionary<string, string> { ["k2026"] = other.ExportPublicKeyPem() };

        LicenseVerification result = LicenseVerifier.Verify(signer.Sign(TestLicenses.Sample()), keys);

        Assert.False(result.IsValid);
        Assert.Equal(LicenseInvalidReason.UnknownKeyId, result.Reason);
        Assert.Equal("k2027", result.KeyId);
        Assert.Contains("\"k2027\"", result.Message, StringComparison.Ordinal);
        Assert.Contains("k2026", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeysFromOldAndNewSigningKeysBothVerifyAfterRotation()
    {
        using LicenseSigner old = TestLicenses.NewSigner("k2025");
        using LicenseSigner current = TestLicenses.NewSigner("k2026");
        var keys = new Dictionary<string, string>
        {
            ["k2025"] = old.ExportPublicKeyPem(),
            ["k2026"] = current.ExportPublicKeyPem(),
        };
        LicenseData before = TestLicenses.Sample() with { OrderNumber = "ORD-OLD-1" };
        LicenseData after = TestLicenses.Sample() with { OrderNumber = "ORD-NEW-1" };

        LicenseVerification oldResult = LicenseVerifier.Verify(old.Sign(before), keys);
        LicenseVerification newResult = LicenseVerifier.Verify(current.Sign(after), keys);

        Assert.True(oldResult.IsValid, oldResult.Message);
        Assert.Equal("k2025", oldResult.KeyId);
        Assert.Equal(before, oldResult.License);
        Assert.True(newResult.IsValid, newResult.Message);
        Assert.Equal("k2026", newResult.KeyId);
        Assert.Equal(after, newResult.License);
    }

    [Fact]
    public void KeyDictionaryIsSearchedWithItsOwnComparer()
    {
        using LicenseSigner signer = TestLicenses.NewSigner("K2026");
        var keys = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["k2026"] = signer.ExportPublicKeyPem() };

        LicenseVerification result = LicenseVerifier.Verify(signer.Sign(TestLicenses.Sample()), keys);

        Assert.True(result.IsValid, result.Message);
        Assert.Equal("K2026", result.KeyId);
    }

    [Fact]
    public void SinglePublicKeyOverloadAcceptsAnyKeyId()
    {
        using LicenseSigner signer = TestLicenses.NewSigner("whatever-id");

        LicenseVerification result = LicenseVerifier.Verify(signer.Sign(TestLicenses.Sample()), signer.ExportPublicKeyPem());

        Assert.True(result.IsValid, result.Message);
        Assert.Equal("whatever-id", result.KeyId);
    }

    [Fact]
    public void CorrectlySignedKeyWithInvalidContentIsInvalidContent()
    {
        using var privateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string key = TestLicenses.SignUnchecked(TestLicenses.Sample() with { Seats = 0 }, privateKey, "k1");

        LicenseVerification result = LicenseVerifier.Verify(key, privateKey.ExportSubjectPublicKeyInfoPem());

        Assert.False(result.IsValid);
        Assert.Equal(LicenseInvalidReason.InvalidContent, result.Reason);
        Assert.Contains("Seats", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SignerAcceptsCallerOwnedKeyAndLeavesItUsableAfterDispose()
    {
        using var privateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string publicPem = privateKey.ExportSubjectPublicKeyInfoPem();

        string key;
        using (var signer = new LicenseSigner(privateKey, "k1"))
        {
            Assert.Equal("k1", signer.KeyId);
            Assert.Equal(publicPem, signer.ExportPublicKeyPem());
            key = signer.Sign(TestLicenses.Sample());
        }

        Assert.True(LicenseVerifier.Verify(key, publicPem).IsValid);
        Assert.NotEmpty(privateKey.SignData([1, 2, 3], HashAlgorithmName.SHA256));
    }

    [Fact]
    public void DisposedSignerRefusesToSign()
    {
        LicenseSigner signer = TestLicenses.NewSigner();
        signer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => signer.Sign(TestLicenses.Sample()));
    }

    [Fact]
    public void SignerCanBeUsedFromManyThreadsAtOnce()
    {
        using LicenseSigner signer = TestLicenses.NewSigner();
        string publicPem = signer.ExportPublicKeyPem();

        string[] keys = new string[64];
        Parallel.For(0, keys.Length, i => keys[i] = signer.Sign(TestLicenses.Sample() with { Seats = i + 1 }));

        for (int i = 0; i < keys.Length; i++)
        {
            LicenseVerification result = LicenseVerifier.Verify(keys[i], publicPem);
            Assert.True(result.IsValid, result.Message);
            Assert.Equal(i + 1, result.License!.Seats);
        }
    }

    [Fact]
    public void NewLicenseIdsAreRandomAndValid()
    {
        HashSet<string> ids = [.. Enumerable.Range(0, 1000).Select(_ => LicenseSigner.NewLicenseId())];

        Assert.Equal(1000, ids.Count);
        Assert.All(ids, id => Assert.Matches("^LIC-[0-9A-HJKMNP-TV-Z]{20}$", id));
    }
}
