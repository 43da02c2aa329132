using System.Security.Cryptography;

namespace Orders.Licensing;

public enum LicenseInvalidReason
{
    None,
    Empty,
    Malformed,
    UnsupportedVersion,
    UnknownKeyId,
    BadSignature,
    InvalidContent,

    /// <summary>A genuine key whose license the vendor revoked (it is on the revocation list given).</summary>
    Revoked,
}

/// <summary>
/// The outcome of checking a key. <see cref="KeyId"/> is the signing key id read from the key, when
/// it could be read; <see cref="Message"/> says in plain English why a key is not valid.
/// </summary>
public sealed record LicenseVerification(
    bool IsValid,
    LicenseData? License,
    string? KeyId,
    LicenseInvalidReason Reason,
    string Message);

/// <summary>
/// Checks license keys offline. Never throws for any key text (null, empty, garbage or huge);
/// throws <see cref="ArgumentException"/> only for a missing or unusable public key argument.
/// </summary>
public static class LicenseVerifier
{
    private const string BadSignatureMessage =
        "The signature does not match: the key was altered or was not issued by this vendor.";

    /// <summary>Verifies against one public key, whatever key id the license names.</summary>
    public static LicenseVerification Verify(string licenseKey, string publicKeyPem) =>
        Verify(licenseKey, publicKeyPem, revocations: null);

    /// <summary>
    /// Verifies against one public key, whatever key id the license names, and reports a genuine key
    /// whose license id is on <paramref name="revocations"/> as not valid
    /// (<see cref="LicenseInvalidReason.Revoked"/>). With no list, only the key itself is checked.
    /// </summary>
    public static LicenseVerification Verify(string licenseKey, string publicKeyPem, RevocationList? revocations)
    {
        using ECDsa publicKey = P256Keys.ImportPublicKeyPem(publicKeyPem, nameof(publicKeyPem));
        if (!LicenseKeyFormat.TryDecode(licenseKey, out DecodedKey? key, out Problem problem))
        {
            return Invalid(problem.Reason, problem.Message, keyId: null);
        }

        return Check(key, publicKey, revocations);
    }

    /// <summary>Verifies against the public key registered under the key id the license names.</summary>
    public static LicenseVerification Verify(string licenseKey, IReadOnlyDictionary<string, string> publicKeyPemsByKeyId) =>
        Verify(licenseKey, publicKeyPemsByKeyId, revocations: null);

    /// <summary>
    /// Verifies against the public key registered under the key id the license names, and reports a
    /// genuine key whose license id is on <paramref name="revocations"/> as not valid
    /// (<see cref="LicenseInvalidReason.Revoked"/>). With no list, only the key itself is checked.
    /// </summary>
    public static LicenseVerification Verify(string licenseKey, IReadOnlyDictionary<string, string> publicKeyPemsByKeyId, RevocationList? revocations)
    {
        // Every entry is checked on every call, so a broken configuration fails at once rather than
        // only when a customer's key happens to name the broken entry.
        using var ring = new LicenseKeyRing(publicKeyPemsByKeyId);
        return ring.Verify(licenseKey, revocations);
    }

    internal static LicenseVerification Check(DecodedKey key, ECDsa publicKey, RevocationList? revocations)
    {
        if (!P256Keys.HasLowS(key.Signature)
            || !publicKey.VerifyData(key.SignedMessage, key.Signature, P256Keys.Hash, P256Keys.SignatureFormat))
        {
            return Invalid(LicenseInvalidReason.BadSignature, BadSignatureMessage, key.KeyId);
        }

        if (!LicenseKeyFormat.TryReadLicense(key.Fields, out LicenseData? license, out string error))
        {
            return Invalid(LicenseInvalidReason.InvalidContent,
                $"The key is correctly signed but its content is not valid: {error}", key.KeyId);
        }

        if (revocations is not null && revocations.IsRevoked(license.LicenseId))
        {
            return Invalid(LicenseInvalidReason.Revoked, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"This license was revoked by the vendor (for example after a refund or a chargeback); the vendor's list of "
                + $"revoked licenses of {revocations.IssuedAt:yyyy-MM-dd} names it. If you think this is a mistake, contact the vendor."),
                key.KeyId);
        }

        return new LicenseVerification(true, license, key.KeyId, LicenseInvalidReason.None, "The license key is valid.");
    }

    internal static LicenseVerification Invalid(LicenseInvalidReason reason, string message, string? keyId) =>
        new(false, null, keyId, reason, message);
}
