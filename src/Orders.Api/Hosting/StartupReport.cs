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
        LogDataDirectory(logger, DataDirectory.Resolve(storage, app.Environment));
        if (mail.Mode == MailMode.Pickup)
        {
            LogPickup(logger, app.Services.GetRequiredService<PickupMailTransport>().Directory);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Payments go to the local sandbox under /sandbox (no PayPal credentials configured). Never use this in production.")]
    private static partial void LogSandbox(ILogger logger);
}
