using Hangfire;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Mail;

namespace Orders.Api.Privacy;

internal static class PrivacyNoticesRegistration
{
    public static IServiceCollection AddPrivacyNotices(this IServiceCollection services, IConfiguration configuration)
    {
        services.DescribeRequestFields<NoticeDraft>(
            ("subject", s => s.Text(1, PrivacyNotices.MaxSubjectLength)),
            ("body", s => s.Text(1, PrivacyNotices.MaxBodyLength)),
            ("effectiveOn", s => s.Format = "date"),
            ("respondBy", s => s.Format = "date"));
        services.AddOptions<PrivacyNoticeOptions>()
            .Bind(configuration.GetSection(PrivacyNoticeOptions.Section))
            .Validate(o => o.NoticeBatchSize is > 0 and <= 1000, "Privacy:NoticeBatchSize must be between 1 and 1000.")
            .Validate(o => o.NoticeEmailsPerMinute > 0, "Privacy:NoticeEmailsPerMinute must be positive.")
            .ValidateOnStart();
        services.AddSingleton<NoticeTokens>();
        services.AddSingleton<PrivacyNoticeEmail>();
        services.AddSingleton<IDeliveryComposer>(sp => sp.GetRequiredService<PrivacyNoticeEmail>());
        services.AddScoped<PrivacyNotices>();
        services.AddScoped<PrivacyNoticeMailingJob>();
        return services;
    }

    public static WebApplication MapPrivacyNotices(this WebApplication app)
    {
        app.MapConsentPages();
        app.MapPrivacyPolicyPage();
        app.MapNoticePages();
        app.MapNoticeApi();
        return app;
    }

    // The mailing continues from the database: every minute, and at once after a start-up if a
    // notice was being sent when the last instance stopped.
    public static WebApplication StartPrivacyNotices(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            app.Services.GetRequiredService<IRecurringJobManager>().AddOrUpdate<PrivacyNoticeMailingJob>(
                PrivacyNoticeMailingJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), Cron.Minutely());
            if (PrivacyNoticeMailingJob.AnySendingAsync(app.Services.GetRequiredService<Db>(), app.Lifetime.ApplicationStopping).GetAwaiter().GetResult())
            {
                app.Services.GetRequiredService<IBackgroundJobClient>().Enqueue<PrivacyNoticeMailingJob>(job => job.RunAsync(CancellationToken.None));
            }
        });
        return app;
    }
}
