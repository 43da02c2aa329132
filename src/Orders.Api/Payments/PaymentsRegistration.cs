using Microsoft.Extensions.Http.Resilience;
using Orders.Api.Payments.PayPal;
using Orders.Sandbox;

namespace Orders.Api.Payments;

internal static class PaymentsRegistration
{
    public static bool SandboxEnabled(IConfiguration configuration) =>
        configuration.GetValue<bool?>("Sandbox:Enabled") ?? string.IsNullOrWhiteSpace(configuration["PayPal:ClientId"]);

    public static IServiceCollection AddPayments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PayPalOptions>().Bind(configuration.GetSection(PayPalOptions.Section));
        services.AddOptions<SandboxSwitch>().Bind(configuration.GetSection(SandboxSwitch.Section));
        services.AddOptions<PayPalSandboxOptions>();
        if (SandboxEnabled(configuration))
        {
            services.AddPayPalSandbox(configuration.GetSection("Sandbox:PayPal"));
        }

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
        services.AddScoped<PaymentProviders>();
        return services;
    }

    public static WebApplication MapPaymentSandbox(this WebApplication app)
    {
        if (SandboxEnabled(app.Configuration))
        {
            app.MapPayPalSandbox(PayPalSettings.SandboxPrefix);
        }

        return app;
    }
}
