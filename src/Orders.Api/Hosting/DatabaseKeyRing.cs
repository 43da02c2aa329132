using System.Data.Common;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Options;
using Orders.Api.Data;

namespace Orders.Api.Hosting;

// Keeps the Data Protection key ring in the orders database, so all instances behind the proxy
// share it (a form rendered by one instance is accepted by another) and it survives redeploys.
internal sealed class DatabaseKeyRing(Db db, TimeProvider time) : IXmlRepository
{
    private const string AllKeysSql = "SELECT xml FROM data_protection_keys ORDER BY id";

    private const string AllRowsSql = "SELECT id, xml FROM data_protection_keys ORDER BY id";

    private const string DeleteKeysSql = "DELETE FROM data_protection_keys WHERE id IN @Ids";

    private const string InsertKeySql = """
        INSERT INTO data_protection_keys (friendly_name, xml, created_at) VALUES (@FriendlyName, @Xml, @CreatedAt)
        """;

    // IXmlRepository is synchronous; it is called rarely (start-up, key rotation every 90 days).
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = db.OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
        return [.. connection.Query<string>(AllKeysSql).Select(XElement.Parse)];
    }

    // Once a certificate encrypts the ring, keys stored before in the clear (their master key is
    // readable in the XML) are deleted at start-up, before the ring is loaded: forms rendered under
    // them fail once and staff sign in again. Returns how many went.
    public int DeleteUnencryptedKeys()
    {
        using var connection = db.OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
        var clear = connection.Query<(long Id, string Xml)>(AllRowsSql)
            .Where(row => XElement.Parse(row.Xml).DescendantsAndSelf().Any(e => e.Name.LocalName == "masterKey"))
            .Select(row => row.Id)
            .ToList();
        return clear.Count == 0 ? 0 : connection.Execute(DeleteKeysSql, new { Ids = clear });
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = db.OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
        try
        {
            connection.Execute(InsertKeySql, new { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting), CreatedAt = time.GetUtcNow().UtcDateTime });
        }
        catch (DbException e) when (Db.IsUniqueViolation(e))
        {
            // Another instance stored this key first: nothing to add.
        }
    }
}

internal sealed class DataProtectionSettings
{
    public const string Section = "DataProtection";

    // An RSA certificate with its private key that encrypts the key ring where it is stored: a
    // PKCS#12 file (.pfx/.p12), or a PEM file with the certificate (and the key, unless
    // CertificateKeyPath names the key's own PEM file). Required in Production (ProductionGuard).
    public string? CertificatePath { get; set; }

    public string? CertificateKeyPath { get; set; }

    // The PKCS#12 file's password, or the encrypted PEM key's. A secret.
    public string? CertificatePassword { get; set; }

    public static DataProtectionSettings From(IConfiguration configuration) =>
        configuration.GetSection(DataProtectionSettings.Section).Get<DataProtectionSettings>() ?? new();

    public bool Encrypts => !string.IsNullOrWhiteSpace(CertificatePath);

    public X509Certificate2 LoadCertificate()
    {
        var path = CertificatePath ?? throw new InvalidOperationException("Set DataProtection:CertificatePath.");
        X509Certificate2 certificate;
        try
        {
            var password = string.IsNullOrEmpty(CertificatePassword) ? null : CertificatePassword;
            var keyPath = string.IsNullOrWhiteSpace(CertificateKeyPath) ? path : CertificateKeyPath;
            certificate = !File.ReadAllText(path).Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
                ? X509CertificateLoader.LoadPkcs12FromFile(path, password)
                : password is null
                    ? X509Certificate2.CreateFromPemFile(path, keyPath)
                    : X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException($"DataProtection:CertificatePath: the certificate could not be loaded ({e.GetType().Name}: {e.Message}). "
                + "Give a PKCS#12 file with DataProtection:CertificatePassword, or a PEM certificate with its key (DataProtection:CertificateKeyPath).", e);
        }

        // The key ring's XML encryption wraps each key with RSA.
        using var rsa = certificate.GetRSAPrivateKey();
        if (rsa is null)
        {
            certificate.Dispose();
            throw new InvalidOperationException("DataProtection:CertificatePath must name an RSA certificate together with its private key.");
        }

        return certificate;
    }
}

internal static class DatabaseKeyRingRegistration
{
    public static IServiceCollection AddDatabaseKeyRing(this IServiceCollection services, IConfiguration configuration)
    {
        var dataProtection = services.AddDataProtection().SetApplicationName("Orders");
        var settings = DataProtectionSettings.From(configuration);
        if (settings.Encrypts)
        {
            // Unprotect too: decryption then uses this certificate as given, not one looked up in
            // the machine's certificate store.
            var certificate = settings.LoadCertificate();
            dataProtection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }
        else
        {
            // Stored unencrypted by choice (outside Production): said once at start-up
            // (StartupReport) instead of the framework's warning at every new key.
            services.AddOptions<KeyManagementOptions>().Configure(options => options.XmlEncryptor ??= new NullXmlEncryptor());
        }

        services.AddSingleton<DatabaseKeyRing>();
        services.AddOptions<KeyManagementOptions>()
            .Configure<DatabaseKeyRing>((options, ring) => options.XmlRepository = ring);
        return services;
    }
}
