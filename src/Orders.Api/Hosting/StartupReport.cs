using Microsoft.Extensions.Options;
using Orders.Api.Data;
using Orders.Api.Licensing;
using Orders.Api.Mail;
using Orders.Api.Orders;
using Orders.Api.Payments;

namespace Orders.Api.Hosting;

// Loads the keys at start-up (so a missing or broken key fails now, not at the first sale) and
// says where the embedded defaults keep their files.
internal static partial class StartupReport
{
    public static WebApplication ReportStartup(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Orders.Startup");
        app.Services.GetRequiredService<LicenseKeys>();
        app.Services.GetRequiredService<StatusTokens>();
        var storage = app.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
        var mail = app.Services.GetRequiredService<IOptions<MailOptions>>().Value;
        var dataDirectory = DataDirectory.Resolve(storage, app.Environment);
        LogDataDirectory(logger, dataDirectory);

        // Installations from before the data folder was owner-only: narrowed here, once per start.
        var narrowed = OwnerOnlyFiles.NarrowExisting(dataDirectory, [LicenseKeys.GeneratedKeyFileName, StatusTokens.GeneratedSecretFileName], "*.tmp");
        if (mail.Mode == MailMode.Pickup)
        {
            var pickup = app.Services.GetRequiredService<PickupMailTransport>().Directory;
            LogPickup(logger, pickup);
            narrowed += OwnerOnlyFiles.NarrowExisting(pickup, [], "*.eml");
        }

        if (narrowed > 0)
        {
            LogNarrowed(logger, narrowed);
        }

        if (!DataProtectionSettings.From(app.Configuration).Encrypts)
        {
            LogKeyRingUnencrypted(logger, app.Environment.IsDevelopment() ? LogLevel.Information : LogLevel.Warning);
        }
        else if (app.Services.GetRequiredService<DatabaseKeyRing>().DeleteUnencryptedKeys() is > 0 and var deleted)
        {
            LogUnencryptedKeysDeleted(logger, deleted);
        }

        if (PaymentsRegistration.SandboxEnabled(app.Configuration))
        {
            LogSandbox(logger);
        }

        return app;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Data directory: {Path}")]
    private static partial void LogDataDirectory(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "E-mails are written as .eml files to {Path}")]
    private static partial void LogPickup(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Made {Count} file(s) and folder(s) in the data directory readable by the service's user only")]
    private static partial void LogNarrowed(ILogger logger, int count);

    [LoggerMessage(Message = "Data Protection keys (antiforgery, staff sessions) are stored unencrypted in the orders database: set DataProtection:CertificatePath to encrypt them (required in Production)")]
    private static partial void LogKeyRingUnencrypted(ILogger logger, LogLevel level);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleted {Count} Data Protection key(s) stored unencrypted before DataProtection:CertificatePath was set; forms open now must be sent again and staff sign in again")]
    private static partial void LogUnencryptedKeysDeleted(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Payments go to the local sandbox under /sandbox (no PayPal credentials configured). Never use this in production.")]
    private static partial void LogSandbox(ILogger logger);
}
