using Microsoft.Extensions.Http.Resilience;
using Orders.Api.Payments.Avangate;
using Orders.Api.Payments.PayPal;
using Orders.Api.Webhooks;
using Orders.Sandbox;

namespace Orders.Api.Payments;

internal static class PaymentsRegistration
{
    // The local sandbox stands in for every provider when no real provider is configured (the
    // zero-config local run). Sandbox:Enabled overrides; Production refuses it (ProductionGuard).
    public static bool SandboxEnabled(IConfiguration configuration) =>
        configuration.GetValue<bool?>("Sandbox:Enabled")
        ?? (string.IsNullOrWhiteSpace(configuration["PayPal:ClientId"]) && string.IsNullOrWhiteSpace(configuration["Avangate:MerchantCode"]));

    public static bool PayPalEnabled(IConfiguration configuration) =>
        SandboxEnabled(configuration) || !string.IsNullOrWhiteSpace(configuration["PayPal:ClientId"]);

    public static bool AvangateEnabled(IConfiguration configuration) =>
        SandboxEnabled(configuration) || !string.IsNullOrWhiteSpace(configuration["Avangate:MerchantCode"]);

    public static IServiceCollection AddPayments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SandboxSwitch>().Bind(configuration.GetSection(SandboxSwitch.Section));
        services.AddOptions<PayPalSandboxOptions>();
        services.AddOptions<AvangateSandboxOptions>();
        if (SandboxEnabled(configuration))
        {
            services.AddPayPalSandbox(configuration.GetSection("Sandbox:PayPal"));
            services.AddAvangateSandbox(configuration.GetSection("Sandbox:Avangate"));
        }

        services.AddScoped<PaymentProviders>();
        if (PayPalEnabled(configuration))
        {
            services.AddPayPal(configuration);
        }

        if (AvangateEnabled(configuration))
        {
            services.AddOptions<AvangateOptions>().Bind(configuration.GetSection(AvangateOptions.Section));
            services.AddSingleton<AvangateSettings>();
            services.AddScoped<AvangateProvider>();
            services.AddScoped<IPaymentProvider>(sp => sp.GetRequiredService<AvangateProvider>());
        }

        return services;
    }

    private static void AddPayPal(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PayPalOptions>().Bind(configuration.GetSection(PayPalOptions.Section));
        services.AddSingleton<PayPalSettings>();
        services.AddSingleton<PayPalAccessTokens>();
        services.AddSingleton<PayPalCertificates>();
        services.AddSingleton<PayPalWebhookVerifier>();
        services.AddHttpClient<PayPalClient>(http => http.Timeout = TimeSpan.FromSeconds(60))
            .AddStandardResilienceHandler(o =>
            {
                // Every POST carries a PayPal-Request-Id, so retrying it is safe.
                o.AttemptTimeout.Timeout = TimeSpan.FromSeconds(15);
                o.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(45);
                o.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(30);
            });
        services.AddHttpClient(PayPalCertificates.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(20))
            .AddStandardResilienceHandler();
        services.AddScoped<PayPalProvider>();
        services.AddScoped<IPaymentProvider>(sp => sp.GetRequiredService<PayPalProvider>());
    }

    public static WebApplication MapPayments(this WebApplication app)
    {
        if (PayPalEnabled(app.Configuration))
        {
            app.MapPayPalReturn();
            app.MapPayPalWebhooks();
        }

        if (AvangateEnabled(app.Configuration))
        {
            app.MapAvangateWebhooks();
        }

        if (SandboxEnabled(app.Configuration))
        {
            app.MapPayPalSandbox(PayPalSettings.SandboxPrefix);
            app.MapAvangateSandbox(AvangateSettings.SandboxPrefix);
        }

        return app;
    }
}
