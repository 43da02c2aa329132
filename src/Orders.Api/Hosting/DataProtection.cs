using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Options;

namespace Orders.Api.Hosting;

internal sealed class DataProtectionSettings
{
    public const string Section = "DataProtection";

    // An RSA certificate with its private key that encrypts the key ring where it is stored: a
    // PKCS#12 file (.pfx/.p12), or a PEM file with the certificate (and the key, unless
    // CertificateKeyPath names the key's own PEM file). Required in Production.
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

internal static class DataProtectionRegistration
{
    public static IServiceCollection AddDataProtectionKeys(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DataProtectionSettings>()
            .Bind(configuration.GetSection(DataProtectionSettings.Section))
            .Validate<IHostEnvironment>((o, environment) => !environment.IsProduction() || o.Encrypts,
                "set DataProtection:CertificatePath (an RSA certificate with its private key, and DataProtection:CertificatePassword or DataProtection:CertificateKeyPath) so the Data Protection key ring is encrypted in the database")
            .ValidateOnStart();
        services.AddStartupReport<UnencryptedKeyRingStartupReport>();

        // The certificate is needed while the services are registered: loaded (or refused) now.
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
            // (UnencryptedKeyRingStartupReport) instead of the framework's warning at every new key.
            services.AddOptions<KeyManagementOptions>().Configure(options => options.XmlEncryptor ??= new NullXmlEncryptor());
        }

        // Where the ring is kept (the orders database, shared by every instance) is the storage's
        // to say: Data/DatabaseKeyRing.cs.
        return services;
    }
}

internal sealed partial class UnencryptedKeyRingStartupReport(IOptions<DataProtectionSettings> settings, IHostEnvironment environment) : IStartupReportSection
{
    public void Report(ILogger logger)
    {
        if (!settings.Value.Encrypts)
        {
            LogKeyRingUnencrypted(logger, environment.IsDevelopment() ? LogLevel.Information : LogLevel.Warning);
        }
    }

    [LoggerMessage(Message = "Data Protection keys (antiforgery, staff sessions) are stored unencrypted in the orders database: set DataProtection:CertificatePath to encrypt them (required in Production)")]
    private static partial void LogKeyRingUnencrypted(ILogger logger, LogLevel level);
}
