using System.Security.Cryptography;

namespace Orders.Licensing;

/// <summary>
/// The vendor's public keys by key id, read once, for a process that checks many license keys (a
/// support console, a license server). Importing a PEM public key costs several times more than
/// checking a signature with it, so the dictionary overload of <see cref="LicenseVerifier"/>, which
/// imports on every call, is the one for a program that checks its own key now and then.
/// Construction throws <see cref="ArgumentException"/> for a bad key id or an unusable key, like
/// that overload; <see cref="Verify"/> never throws for any key text. Safe to share between threads.
/// </summary>
public sealed class LicenseKeyRing : IDisposable
{
    private readonly Dictionary<string, ECDsa> keys;

    /// <summary>
    /// Reads the keys now (later changes to the dictionary are not seen). Key ids are matched with the
    /// dictionary's own comparer when it is a <see cref="Dictionary{TKey, TValue}"/>, ordinally otherwise.
    /// </summary>
    public LicenseKeyRing(IReadOnlyDictionary<string, string> publicKeyPemsByKeyId)
    {
        ArgumentNullException.ThrowIfNull(publicKeyPemsByKeyId);
        keys = new Dictionary<string, ECDsa>(publicKeyPemsByKeyId is Dictionary<string, string> source ? source.Comparer : StringComparer.Ordinal);
        try
        {
            foreach ((string keyId, string pem) in publicKeyPemsByKeyId)
            {
                if (!LicenseRules.IsValidKeyId(keyId))
                {
                    throw new ArgumentException(
                        $"Key id \"{keyId}\" is not valid: it {LicenseRules.KeyIdRule}.", nameof(publicKeyPemsByKeyId));
                }

                keys[keyId] = P256Keys.ImportPublicKeyPem(pem, nameof(publicKeyPemsByKeyId));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IReadOnlyCollection<string> KeyIds => keys.Keys;

    /// <summary>Verifies against the public key registered under the key id the license names.</summary>
    public LicenseVerification Verify(string licenseKey) => Verify(licenseKey, revocations: null);

    /// <summary>
    /// Verifies against the public key registered under the key id the license names, and reports a
    /// genuine key whose license id is on <paramref name="revocations"/> as not valid
    /// (<see cref="LicenseInvalidReason.Revoked"/>). With no list, only the key itself is checked.
    /// </summary>
    public LicenseVerification Verify(string licenseKey, RevocationList? revocations)
    {
        if (!LicenseKeyFormat.TryDecode(licenseKey, out DecodedKey? key, out Problem problem))
        {
            return LicenseVerifier.Invalid(problem.Reason, problem.Message, keyId: null);
        }

        if (!keys.TryGetValue(key.KeyId, out ECDsa? publicKey))
        {
            return LicenseVerifier.Invalid(LicenseInvalidReason.UnknownKeyId,
                $"The key was signed with vendor key \"{key.KeyId}\", which this program does not know "
                + $"(it knows: {DescribeKeyIds()}). The key is not from this vendor, or the program needs an update.",
                key.KeyId);
        }

        return LicenseVerifier.Check(key, publicKey, revocations);
    }

    internal bool TryGetKey(string keyId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ECDsa? publicKey) =>
        keys.TryGetValue(keyId, out publicKey);

    internal string DescribeKeyIds() => keys.Count == 0 ? "none" : string.Join(", ", keys.Keys.Order(StringComparer.Ordinal));

    public void Dispose()
    {
        foreach (ECDsa key in keys.Values)
        {
            key.Dispose();
        }

        keys.Clear();
    }
}
