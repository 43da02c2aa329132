using Microsoft.Extensions.Options;
using Orders.Api.Data;
using Orders.Licensing;

namespace Orders.Api.Licensing;

internal sealed class LicensingOptions
{
    public const string Section = "Licensing";

    // PKCS#8 PEM of the ECDSA P-256 key that signs license keys. A secret: environment or
    // user-secrets only. Empty: a key is generated under the data directory on first run.
    public string? SigningKeyPem { get; set; }

    // The same PEM read from a file (a container secret); used when SigningKeyPem is empty.
    public string? SigningKeyPemFile { get; set; }

    // Written into every key, so a new signing key can be introduced without invalidating the
    // licenses issued under the old one (verifiers keep the old public key by its id).
    public string KeyId { get; set; } = "k1";

    // Public keys of signing keys no longer used to issue, by key id: still published, so licenses
    // issued under them keep verifying.
    public Dictionary<string, string> RetiredPublicKeys { get; set; } = [];
}

// The signer the service issues licenses with, loaded once at start-up.
internal sealed partial class LicenseKeys : IDisposable
{
    public const string GeneratedKeyFileName = "license-signing-key.pem";

    public LicenseKeys(IOptions<LicensingOptions> options, IOptions<StorageOptions> storage, IHostEnvironment environment, ILogger<LicenseKeys> logger)
    {
        var pem = options.Value.SigningKeyPem;
        if (string.IsNullOrWhiteSpace(pem) && !string.IsNullOrWhiteSpace(options.Value.SigningKeyPemFile))
        {
            pem = File.ReadAllText(options.Value.SigningKeyPemFile);
        }

        if (string.IsNullOrWhiteSpace(pem))
        {
            var path = Path.Combine(DataDirectory.Resolve(storage.Value, environment), GeneratedKeyFileName);
            if (GeneratedSecretFile.EnsureExists(path, LicenseSigner.GeneratePrivateKeyPem))
            {
                LogGenerated(logger, path);
            }
            else
            {
                LogUsingGenerated(logger, path);
            }

            pem = File.ReadAllText(path);
            UsesGeneratedKey = true;
        }

        Signer = LicenseSigner.FromPem(pem, options.Value.KeyId);
        PublicKeyPem = Signer.ExportPublicKeyPem();
        var all = new Dictionary<string, string>(options.Value.RetiredPublicKeys, StringComparer.Ordinal) { [Signer.KeyId] = PublicKeyPem };
        // Read once (fails start-up on a malformed retired key instead of at a customer's verification).
        KeyRing = new LicenseKeyRing(all);
        AllPublicKeys = all;
    }

    // The current key and every retired one, by key id.
    public IReadOnlyDictionary<string, string> AllPublicKeys { get; }

    public LicenseSigner Signer { get; }

    // The same keys, imported once: support's search checks every key-shaped term against them.
    public LicenseKeyRing KeyRing { get; }

    public string PublicKeyPem { get; }

    public bool UsesGeneratedKey { get; }

    public void Dispose()
    {
        Signer.Dispose();
        KeyRing.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No Licensing:SigningKeyPem configured: generated a new license signing key at {Path}. Keep this file (or configure a key) — licenses are verified against it.")]
    private static partial void LogGenerated(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No Licensing:SigningKeyPem configured: signing licenses with the generated key at {Path}.")]
    private static partial void LogUsingGenerated(ILogger logger, string path);
}
