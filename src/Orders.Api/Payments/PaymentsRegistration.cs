using Microsoft.Extensions.Http.Resilience;
using Polly;
using Orders.Api.Payments.Avangate;
using Orders.Api.Payments.PayPal;
using Orders.Api.Payments.Stripe;
using Orders.Api.Webhooks;
using Orders.Sandbox;

namespace Orders.Api.Payments;

internal static class PaymentsRegistration
{
    // The local sandbox stands in for every provider when no real provider is configured (the
    // zero-config local run). Sandbox:Enabled overrides; Production refuses it (ProductionGuard).
    public static bool SandboxEnabled(IConfiguration configuration) =>
        configuration.GetValue<bool?>("Sandbox:Enabled")
        ?? (string.IsNullOrWhiteSpace(configuration["PayPal:ClientId"]) && string.IsNullOrWhiteSpace(configuration["Avangate:MerchantCode"])
            && string.IsNullOrWhiteSpace(configuration["Stripe:SecretKey"]));

    public static bool PayPalEnabled(IConfiguration configuration) =>
        SandboxEnabled(configuration) || !string.IsNullOrWhiteSpace(configuration["PayPal:ClientId"]);

    public static bool AvangateEnabled(IConfiguration configuration) =>
        SandboxEnabled(configuration) || !string.IsNullOrWhiteSpace(configuration["Avangate:MerchantCode"]);

    public static bool StripeEnabled(IConfiguration configuration) =>
        SandboxEnabled(configuration) || !string.IsNullOrWhiteSpace(configuration["Stripe:SecretKey"]);

    public static IServiceCollection AddPayments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SandboxSwitch>().Bind(configuration.GetSection(SandboxSwitch.Section));
        services.AddOptions<PayPalSandboxOptions>();
        services.AddOptions<AvangateSandboxOptions>();
        services.AddOptions<StripeSandboxOptions>();
        if (SandboxEnabled(configuration))
        {
            services.AddPayPalSandbox(configuration.GetSection("Sandbox:PayPal"));
            services.AddAvangateSandbox(configuration.GetSection("Sandbox:Avangate"));
            services.AddStripeSandbox(configuration.GetSection("Sandbox:Stripe"));
            // The sandbox's events speak the API version this service's Stripe.net reads, unless a
            // test configures another one.
            services.Configure<StripeSandboxOptions>(o => o.ApiVersion ??= global::Stripe.StripeConfiguration.ApiVersion);
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

        if (StripeEnabled(configuration))
        {
            services.AddStripe(configuration);
        }

        return services;
    }

    private static void AddStripe(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StripeOptions>()
            .Bind(configuration.GetSection(StripeOptions.Section))
            .Validate(o => o.SessionLifetime >= TimeSpan.FromMinutes(30) && o.SessionLifetime <= TimeSpan.FromHours(24),
                "Stripe:SessionLifetime must be between 00:30:00 and 1.00:00:00 (Stripe's limits for a Checkout Session's expires_at).")
            .Validate(o => string.IsNullOrWhiteSpace(o.ApiBase) || Uri.TryCreate(o.ApiBase, UriKind.Absolute, out _),
                "Stripe:ApiBase must be an absolute URL such as https://api.stripe.com.")
            .ValidateOnStart();
        services.AddSingleton<StripeSettings>();
        services.AddSingleton<StripeApi>();
        // No resilience handler: Stripe.net retries itself, with the request's idempotency key.
        services.AddHttpClient(StripeApi.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(30));
        services.AddScoped<StripeProvider>();
        services.AddScoped<IPaymentProvider>(sp => sp.GetRequiredService<StripeProvider>());
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
        // No retries: a webhook whose certificate cannot be fetched is answered 503 and PayPal
        // redelivers it, and a failed URL is remembered (PayPalCertificates), so one bad header
        // costs one request to PayPal. The breaker answers at once while PayPal's host is failing.
        services.AddHttpClient(PayPalCertificates.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(20))
            .AddResilienceHandler("paypal-certificates", pipeline => pipeline
                .AddTimeout(TimeSpan.FromSeconds(10))
                .AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions()));
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

        if (StripeEnabled(app.Configuration))
        {
            app.MapStripeWebhooks();
        }

        if (SandboxEnabled(app.Configuration))
        {
            app.MapPayPalSandbox(PayPalSettings.SandboxPrefix);
            app.MapAvangateSandbox(AvangateSettings.SandboxPrefix);
            app.MapStripeSandbox(StripeSettings.SandboxPrefix);
        }

        return app;
    }
}
