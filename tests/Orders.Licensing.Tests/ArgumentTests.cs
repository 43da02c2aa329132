using System.Security.Cryptography;
using Orders.Licensing;
using Xunit;

namespace Orders.Licensing.Tests;

public sealed class ArgumentTests
{
    public static TheoryData<string, LicenseData> InvalidLicenses()
    {
        LicenseData ok = TestLicenses.Sample();
        return new TheoryData<string, LicenseData>
        {
            { "LicenseId", ok with { LicenseId = "" } },
            { "LicenseId", ok with { LicenseId = null! } },
            { "LicenseId", ok with { LicenseId = new string('A', 41) } },
            { "LicenseId", ok with { LicenseId = "LIC 1" } },
            { "LicenseId", ok with { LicenseId = "LIC-é" } },
            { "Sku", ok with { Sku = "" } },
            { "Sku", ok with { Sku = "   " } },
            { "Sku", ok with { Sku = new string('S', 65) } },
            { "Sku", ok with { Sku = "SKU\n1" } },
            { "Sku", ok with { Sku = "SKÜ" } },
            { "LicenseeName", ok with { LicenseeName = "" } },
            { "LicenseeName", ok with { LicenseeName = null! } },
            { "LicenseeName", ok with { LicenseeName = " \t " } },
            { "LicenseeName", ok with { LicenseeName = new string('x', 201) } },
            { "LicenseeName", ok with { LicenseeName = "Bad\u0000Name" } },
            { "LicenseeName", ok with { LicenseeName = "Line\nBreak" } },
            { "LicenseeName", ok with { LicenseeName = "Lone \uD800 surrogate" } },
            { "Seats", ok with { Seats = 0 } },
            { "Seats", ok with { Seats = -1 } },
            { "Seats", ok with { Seats = 10_001 } },
            { "OrderNumber", ok with { OrderNumber = "" } },
            { "OrderNumber", ok with { OrderNumber = new string('1', 65) } },
            { "OrderNumber", ok with { OrderNumber = "№1" } },
            { "IssuedOn", ok with { IssuedOn = default } },
            { "IssuedOn", ok with { IssuedOn = new DateOnly(1999, 12, 31) } },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidLicenses))]
    public void SignRejectsAnInvalidFieldAndNamesIt(string field, LicenseData license)
    {
        using LicenseSigner signer = TestLicenses.NewSigner();

        ArgumentException error = Assert.Throws<ArgumentException>(() => signer.Sign(license));

        Assert.StartsWith(field + " ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SignRejectsNull()
    {
        using LicenseSigner signer = TestLicenses.NewSigner();

        Assert.Throws<ArgumentNullException>(() => signer.Sign(null!));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("under_score")]
    [InlineData("seventeen-chars-x")]
    [InlineData("ключ")]
    public void SignerRejectsInvalidKeyId(string keyId)
    {
        string pem = LicenseSigner.GeneratePrivateKeyPem();

        ArgumentException error = Assert.Throws<ArgumentException>(() => LicenseSigner.FromPem(pem, keyId));

        Assert.Equal("keyId", error.ParamName);
    }

    [Fact]
    public void SignerRejectsKeysThatAreNotP256Private()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var publicOnly = ECDsa.Create();
        publicOnly.ImportSubjectPublicKeyInfo(p256.ExportSubjectPublicKeyInfo(), out _);

        Assert.Throws<ArgumentException>(() => new LicenseSigner(p384, "k1"));
        Assert.Throws<ArgumentException>(() => new LicenseSigner(publicOnly, "k1"));
        Assert.Throws<ArgumentNullException>(() => new LicenseSigner(null!, "k1"));
        Assert.Throws<ArgumentException>(() => LicenseSigner.FromPem(p256.ExportSubjectPublicKeyInfoPem(), "k1"));
        Assert.Throws<ArgumentException>(() => LicenseSigner.FromPem("not a pem", "k1"));
        Assert.Throws<ArgumentException>(() => LicenseSigner.FromPem(
            p256.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1000)), "k1"));
    }

    [Fact]
    public void SignerReadsSec1PrivateKeyPemToo()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using LicenseSigner signer = LicenseSigner.FromPem(key.ExportECPrivateKeyPem(), "k1");

        Assert.Equal(key.ExportSubjectPublicKeyInfoPem(), signer.ExportPublicKeyPem());
    }

    public static TheoryData<string> BadPublicKeyPems()
    {
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var rsa = RSA.Create(2048);
        string good = p256.ExportSubjectPublicKeyInfoPem();
        return new TheoryData<string>
        {
            "",
            "garbage",
            "-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
            p256.ExportPkcs8PrivateKeyPem(),
            p384.ExportSubjectPublicKeyInfoPem(),
            rsa.ExportSubjectPublicKeyInfoPem(),
            good + "\n" + good,
        };
    }

    [Theory]
    [MemberData(nameof(BadPublicKeyPems))]
    public void VerifyThrowsArgumentExceptionForAnUnusablePublicKey(string pem)
    {
        Assert.Throws<ArgumentException>(() => LicenseVerifier.Verify("ORD1-ABCDE", pem));
        Assert.Throws<ArgumentException>(() => LicenseVerifier.Verify("ORD1-ABCDE", new Dictionary<string, string> { ["k1"] = pem }));
    }

    [Fact]
    public void VerifyThrowsArgumentExceptionForANullPublicKey()
    {
        Assert.Throws<ArgumentException>(() => LicenseVerifier.Verify("ORD1-ABCDE", (string)null!));
        Assert.Throws<ArgumentException>(() => LicenseVerifier.Verify("ORD1-ABCDE", new Dictionary<string, string> { ["k1"] = null! }));
    }

    [Fact]
    public void VerifyRefusesAPrivateKeyWithAnExplanation()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(
            () => LicenseVerifier.Verify("ORD1-ABCDE", LicenseSigner.GeneratePrivateKeyPem()));

        Assert.Contains("private key", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("BEGIN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyWithKeyDictionaryRejectsNullAndInvalidKeyIds()
    {
        using LicenseSigner signer = TestLicenses.NewSigner();

        Assert.Throws<ArgumentNullException>(() => LicenseVerifier.Verify("ORD1-ABCDE", (IReadOnlyDictionary<string, string>)null!));
        Assert.Throws<ArgumentException>(() => LicenseVerifier.Verify(
            "ORD1-ABCDE", new Dictionary<string, string> { ["bad id"] = signer.ExportPublicKeyPem() }));
    }

    [Fact]
    public void VerifyWithEmptyKeyDictionaryReportsUnknownKeyId()
    {
        using LicenseSigner signer = TestLicenses.NewSigner("k1");

        LicenseVerification result = LicenseVerifier.Verify(signer.Sign(TestLicenses.Sample()), new Dictionary<string, string>());

        Assert.Equal(LicenseInvalidReason.UnknownKeyId, result.Reason);
        Assert.Contains("knows: none", result.Message, StringComparison.Ordinal);
    }
}
