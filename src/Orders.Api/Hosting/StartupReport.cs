using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Orders.Api.Hosting;

// A feature's own lines in the start-up report. It may load what must fail now rather than at the
// first sale (a signing key, a secret). Registered by the feature's own AddX with AddStartupReport.
internal interface IStartupReportSection
{
    void Report(ILogger logger);
}

// Prints every registered section, in registration order, once the database is migrated.
internal static class StartupReport
{
    public const string Category = "Orders.Startup";

    public static IServiceCollection AddStartupReport<TSection>(this IServiceCollection services)
        where TSection : class, IStartupReportSection
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupReportSection, TSection>());
        return services;
    }

    public static WebApplication ReportStartup(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
        foreach (var section in app.Services.GetServices<IStartupReportSection>())
        {
            section.Report(logger);
        }

        return app;
    }
}
