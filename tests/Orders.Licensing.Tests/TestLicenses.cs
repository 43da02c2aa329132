using System.Security.Cryptography;
using Orders.Licensing;

namespace Orders.Licensing.Tests;

internal static class TestLicenses
{
    public static LicenseData Sample(string licenseeName = "Zoë Ångström 李") => new(
        LicenseId: "LIC-7K3QXW2M9RD4TB8ZHJ5N",
        Sku: "PHOTOPRO-STD",
        LicenseeName: licenseeName,
        Seats: 5,
        OrderNumber: "ORD-2026-000123",
        IssuedOn: new DateOnly(2026, 11, 29));

    public static LicenseSigner NewSigner(string keyId = "k2026a") =>
        LicenseSigner.FromPem(LicenseSigner.GeneratePrivateKeyPem(), keyId);

    // A validly signed key for content LicenseSigner would refuse to sign.
    public static string SignUnchecked(LicenseData license, ECDsa privateKey, string keyId)
    {
        byte[] payload = LicenseKeyFormat.EncodePayload(license, keyId);
        byte[] signature = privateKey.SignData(
            LicenseKeyFormat.SignedMessage(payload), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        P256Keys.NormalizeToLowS(signature);
        return LicenseKeyFormat.ToText(payload, signature);
    }
}
