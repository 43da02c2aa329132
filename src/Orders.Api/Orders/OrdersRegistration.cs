using Orders.Api.Data;
using Orders.Api.Hosting;

namespace Orders.Api.Orders;

internal static class OrdersRegistration
{
    public static IServiceCollection AddOrders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SecurityOptions>()
            .Bind(configuration.GetSection(SecurityOptions.Section))
            .Validate(o => string.IsNullOrEmpty(o.TokenSecret) || o.TokenSecret.Length >= 32, "Security:TokenSecret must be at least 32 characters.")
            // A generated secret differs per instance and dies with the disk: status links would break.
            .Validate<IHostEnvironment>((o, environment) => !environment.IsProduction() || !string.IsNullOrWhiteSpace(o.TokenSecret),
                "set Security:TokenSecret (at least 32 random characters, the same on every instance)")
            .ValidateOnStart();
        services.AddSingleton<StatusTokens>();
        services.AddDataDirectoryFile(StatusTokens.GeneratedSecretFileName);
        services.AddStartupReport<StatusTokensStartupReport>();
        return services;
    }
}

// Loads the status-token secret at start-up, so a broken one fails now, not at the first checkout.
internal sealed class StatusTokensStartupReport(StatusTokens tokens) : IStartupReportSection
{
    public void Report(ILogger logger) => _ = tokens.UsesGeneratedSecret;
}
