using System.Security.Cryptography;

namespace Orders.Licensing;

/// <summary>
/// Issues license keys with one vendor private key (ECDSA P-256). Safe to share between threads.
/// A key passed to the constructor stays the caller's to dispose; a key read by <see cref="FromPem"/>
/// belongs to the signer and is disposed with it.
/// </summary>
public sealed class LicenseSigner : IDisposable
{
    private readonly ECDsa _key;
    private readonly bool _ownsKey;
    private readonly Lock _gate = new();
    private bool _disposed;

    public LicenseSigner(ECDsa privateKey, string keyId)
        : this(privateKey, keyId, ownsKey: false)
    {
    }

    private LicenseSigner(ECDsa privateKey, string keyId, bool ownsKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        if (!LicenseRules.IsValidKeyId(keyId))
        {
            throw new ArgumentException($"The key id {LicenseRules.KeyIdRule}.", nameof(keyId));
        }

        if (!P256Keys.IsP256(privateKey))
        {
            throw new ArgumentException("The private key must be an ECDSA key on curve P-256.", nameof(privateKey));
        }

        try
        {
            privateKey.SignData([0], P256Keys.Hash, P256Keys.SignatureFormat);
        }
        catch (CryptographicException ex)
        {
            throw new ArgumentException("The key cannot sign: it holds no usable private key.", nameof(privateKey), ex);
        }

        _key = privateKey;
        _ownsKey = ownsKey;
        KeyId = keyId;
    }

    public static LicenseSigner FromPem(string pkcs8PrivateKeyPem, string keyId)
    {
        ECDsa key = P256Keys.ImportPrivateKeyPem(pkcs8PrivateKeyPem, nameof(pkcs8PrivateKeyPem));
        try
        {
            return new LicenseSigner(key, keyId, ownsKey: true);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Written into every key, so that verifiers can pick the matching public key.</summary>
    public string KeyId { get; }

    /// <summary>
    /// Returns the license key text. Signing is randomised: signing the same data twice gives two
    /// different keys, both valid. Throws <see cref="ArgumentException"/> naming the invalid field.
    /// </summary>
    public string Sign(LicenseData license)
    {
        ArgumentNullException.ThrowIfNull(license);
        string? problem = LicenseRules.FindProblem(license);
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(license));
        }

        byte[] payload = LicenseKeyFormat.EncodePayload(license, KeyId);
        byte[] signature = SignMessage(LicenseKeyFormat.SignedMessage(payload));
        return LicenseKeyFormat.ToText(payload, signature);
    }

    // The signature every format uses (license keys, revocation lists): P1363 r || s with low s.
    internal byte[] SignMessage(byte[] message)
    {
        byte[] signature;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            signature = _key.SignData(message, P256Keys.Hash, P256Keys.SignatureFormat);
        }

        P256Keys.NormalizeToLowS(signature);
        return signature;
    }

    /// <summary>The SubjectPublicKeyInfo PEM to give to <see cref="LicenseVerifier"/>.</summary>
    public string ExportPublicKeyPem()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _key.ExportSubjectPublicKeyInfoPem();
        }
    }

    /// <summary>A new P-256 private key as PKCS#8 PEM. It is a secret: store it as one.</summary>
    public static string GeneratePrivateKeyPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>"LIC-" and 20 random Crockford Base32 characters (100 random bits).</summary>
    public static string NewLicenseId() =>
        "LIC-" + RandomNumberGenerator.GetString(LicenseKeyFormat.Alphabet, 20);

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_ownsKey)
            {
                _key.Dispose();
            }
        }
    }
}
