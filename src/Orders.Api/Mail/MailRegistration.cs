using Microsoft.Extensions.Options;
using Orders.Api.Data;
using Orders.Api.Hosting;

namespace Orders.Api.Mail;

internal static class MailRegistration
{
    public static IServiceCollection AddMail(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MailOptions>()
            .Bind(configuration.GetSection(MailOptions.Section))
            .Validate(o => o.Mode != MailMode.Smtp || !string.IsNullOrWhiteSpace(o.Host), "Mail:Mode is Smtp: set Mail:Host (and Mail:Port, Mail:User, Mail:Password as needed).")
            .Validate(o => MimeKit.MailboxAddress.TryParse(o.From, out _), "Mail:From must be an address like 'Orders <orders@example.com>'.")
            .Validate(o => o.ClaimLength > TimeSpan.Zero && (o.Mode != MailMode.Smtp || o.ClaimLength > 2 * o.Timeout), "Mail:ClaimLength must be positive and, with Mail:Mode Smtp, longer than twice Mail:Timeout (a claim must outlast an SMTP conversation).")
            .ValidateOnStart();
        services.AddSingleton<PickupMailTransport>();
        services.AddSingleton<SmtpMailTransport>();
        services.AddSingleton<IMailTransport>(sp => sp.GetRequiredService<IOptions<MailOptions>>().Value.Mode == MailMode.Smtp
            ? sp.GetRequiredService<SmtpMailTransport>()
            : sp.GetRequiredService<PickupMailTransport>());
        services.AddSingleton<MailSender>();
        services.AddSingleton<LicenseEmail>();
        foreach (var kind in new[] { DeliveryKinds.Refund, DeliveryKinds.Reversal, DeliveryKinds.Revocation })
        {
            services.AddSingleton<IDeliveryComposer>(sp => ActivatorUtilities.CreateInstance<OrderNoticeEmail>(sp, kind));
        }

        services.AddSingleton<DeliveryOutcomes>();
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryOutcomes>());
        services.AddSingleton<IInstanceClaims, DeliveryClaims>();
        services.AddScoped<SendDeliveryJob>();
        services.AddStartupReport<MailStartupReport>();
        return services;
    }
}

internal sealed partial class MailStartupReport(IOptions<MailOptions> options, PickupMailTransport pickup) : IStartupReportSection
{
    public void Report(ILogger logger)
    {
        if (options.Value.Mode != MailMode.Pickup)
        {
            return;
        }

        LogPickup(logger, pickup.Directory);

        // Installations from before the pickup folder was owner-only: narrowed here, once per start.
        if (OwnerOnlyFiles.NarrowExisting(pickup.Directory, [], "*.eml") is > 0 and var narrowed)
        {
            LogNarrowed(logger, narrowed);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "E-mails are written as .eml files to {Path}")]
    private static partial void LogPickup(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Made {Count} file(s) and folder(s) in the e-mail pickup folder readable by the service's user only")]
    private static partial void LogNarrowed(ILogger logger, int count);
}
