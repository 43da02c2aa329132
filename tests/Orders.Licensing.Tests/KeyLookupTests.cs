using Orders.Licensing;
using Xunit;

namespace Orders.Licensing.Tests;

// LicenseKeyLookup finds a typed key among issued ones; it never says a key is genuine.
public sealed class KeyLookupTests
{
    [Fact]
    public void TheLicenseIdIsReadFromAnyWellFormedKeyWithoutVerifyingIt()
    {
        using LicenseSigner stranger = TestLicenses.NewSigner("k2099");
        string key = stranger.Sign(TestLicenses.Sample() with { LicenseId = "LIC-FROM-ANYONE" });

        Assert.True(LicenseKeyLookup.TryReadLicenseId(key, out string? licenseId));
        Assert.Equal("LIC-FROM-ANYONE", licenseId);
        Assert.False(LicenseKeyLookup.TryReadLicenseId("ORD1-not-a-key", out _));
        Assert.False(LicenseKeyLookup.TryReadLicenseId(null, out _));
    }

    [Fact]
    public void TheSameKeyIsRecognisedHoweverItWasTypedAndNoOtherKeyIs()
    {
        using LicenseSigner signer = TestLicenses.NewSigner("main");
        using LicenseSigner impostor = TestLicenses.NewSigner("main");
        LicenseData license = TestLicenses.Sample();
        string issued = signer.Sign(license);
        string typed = "  " + issued.ToLowerInvariant().Replace("-", "\u2010", StringComparison.Ordinal).Insert(20, "\r\n ") + " ";

        Assert.True(LicenseKeyLookup.AreSameKey(typed, issued));
        // The same content signed again (ECDSA signatures differ each time) or by another key is another key.
        Assert.False(LicenseKeyLookup.AreSameKey(signer.Sign(license), issued));
        Assert.False(LicenseKeyLookup.AreSameKey(impostor.Sign(license), issued));
        Assert.False(LicenseKeyLookup.AreSameKey(signer.Sign(license with { Seats = 6 }), issued));
        Assert.False(LicenseKeyLookup.AreSameKey("", issued));
        Assert.False(LicenseKeyLookup.AreSameKey(issued, null));
    }
}
