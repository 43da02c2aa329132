using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Orders.Api.Payments.Avangate;
using Orders.Api.Payments.PayPal;
using Orders.Api.Payments.Stripe;
using Orders.Sandbox;

namespace Orders.Api.Payments;

internal static class PaymentsRegistration
{
    public static bool PayPalEnabled(SandboxMode sandbox, IConfiguration configuration) =>
        sandbox.Enabled || !string.IsNullOrWhiteSpace(configuration["PayPal:ClientId"]);

    public static bool AvangateEnabled(SandboxMode sandbox, IConfiguration configuration) =>
        sandbox.Enabled || !string.IsNullOrWhiteSpace(configuration["Avangate:MerchantCode"]);

    public static bool StripeEnabled(SandboxMode sandbox, IConfiguration configuration) =>
        sandbox.Enabled || !string.IsNullOrWhiteSpace(configuration["Stripe:SecretKey"]);

    public static IServiceCollection AddPayments(this IServiceCollection services, IConfiguration configuration)
    {
        var sandbox = services.AddSandboxMode(configuration);
        services.AddSandbox(sandbox, configuration);
        services.AddProviderOptions(sandbox, configuration);
        services.AddScoped<PaymentProviders>();
        if (PayPalEnabled(sandbox, configuration))
        {
            services.AddPayPal(configuration);
        }

        if (AvangateEnabled(sandbox, configuration))
        {
            services.AddSingleton<AvangateSettings>();
            services.AddScoped<AvangateProvider>();
            services.AddScoped<IPaymentProvider>(sp => sp.GetRequiredService<AvangateProvider>());
        }

        if (StripeEnabled(sandbox, configuration))
        {
            services.AddStripe(configuration);
        }

        return services;
    }

    // The one place the local sandbox is wired in: its stand-ins' services here, their routes in
    // MapSandbox. Their options are registered either way (the providers' settings read them).
    private static void AddSandbox(this IServiceCollection services, SandboxMode sandbox, IConfiguration configuration)
    {
        services.AddOptions<PayPalSandboxOptions>();
        services.AddOptions<AvangateSandboxOptions>();
        services.AddOptions<StripeSandboxOptions>();
        if (sandbox.Enabled)
        {
            services.AddPayPalSandbox(configuration.GetSection("Sandbox:PayPal"));
            services.AddAvangateSandbox(configuration.GetSection("Sandbox:Avangate"));
            services.AddStripeSandbox(configuration.GetSection("Sandbox:Stripe"));
            // The sandbox's events speak the API version this service's Stripe.net reads, unless a
            // test configures another one.
            services.Configure<StripeSandboxOptions>(o => o.ApiVersion ??= global::Stripe.StripeConfiguration.ApiVersion);
        }
    }

    private static void MapSandbox(this WebApplication app, SandboxMode sandbox)
    {
        if (sandbox.Enabled)
        {
            app.MapPayPalSandbox(PayPalSettings.SandboxPrefix);
            app.MapAvangateSandbox(AvangateSettings.SandboxPrefix);
            app.MapStripeSandbox(StripeSettings.SandboxPrefix);
        }
    }

    // Every provider's settings, checked at start-up even for a provider that is off: a partial
    // configuration refuses to start, naming the setting to set, instead of failing every checkout.
    private static void AddProviderOptions(this IServiceCollection services, SandboxMode sandbox, IConfiguration configuration)
    {
        services.AddOptions<PayPalOptions>().Bind(configuration.GetSection(PayPalOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PayPalOptions>>(new ProviderSettingsValidator<PayPalOptions>(sandbox, PayPalOptions.Section,
            [("ClientId", o => o.ClientId), ("ClientSecret", o => o.ClientSecret), ("WebhookId", o => o.WebhookId), ("BaseUrl", o => o.BaseUrl)],
            o => Problems(
                (!IsHttpUrlOrEmpty(o.BaseUrl), "PayPal:BaseUrl must be an absolute URL such as https://api-m.paypal.com."),
                (o.WebhookMaxAge < TimeSpan.FromMinutes(1) || o.WebhookMaxAge > TimeSpan.FromDays(1),
                    "PayPal:WebhookMaxAge must be between 00:01:00 and 1.00:00:00 (transmission ids are kept two days to refuse a second body)."))));

        services.AddOptions<AvangateOptions>().Bind(configuration.GetSection(AvangateOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AvangateOptions>>(new ProviderSettingsValidator<AvangateOptions>(sandbox, AvangateOptions.Section,
            [("MerchantCode", o => o.MerchantCode), ("SecretKey", o => o.SecretKey), ("BuyLinkSecret", o => o.BuyLinkSecret), ("CheckoutUrl", o => o.CheckoutUrl)],
            o => Problems(
                (!IsHttpUrlOrEmpty(o.CheckoutUrl), "Avangate:CheckoutUrl must be an absolute URL such as https://secure.2checkout.com/checkout/buy."),
                (o.NotificationMaxAge <= TimeSpan.Zero, "Avangate:NotificationMaxAge must be positive."),
                (o.LinkLifetime <= TimeSpan.Zero, "Avangate:LinkLifetime must be positive."),
                (AvangateFieldOrder.AdditionProblem(AvangateFieldOrder.Ipn, o.AddedIpnFields) is not null,
                    $"Avangate:AddedIpnFields: {AvangateFieldOrder.AdditionProblem(AvangateFieldOrder.Ipn, o.AddedIpnFields)}"),
                (AvangateFieldOrder.AdditionProblem(AvangateFieldOrder.Lcn, o.AddedLcnFields) is not null,
                    $"Avangate:AddedLcnFields: {AvangateFieldOrder.AdditionProblem(AvangateFieldOrder.Lcn, o.AddedLcnFields)}"))));

        // Stripe:ApiBase is not required: Stripe has one API host, the default.
        services.AddOptions<StripeOptions>().Bind(configuration.GetSection(StripeOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StripeOptions>>(new ProviderSettingsValidator<StripeOptions>(sandbox, StripeOptions.Section,
            [("SecretKey", o => o.SecretKey), ("WebhookSecret", o => o.WebhookSecret)],
            o => Problems(
                (o.SessionLifetime < TimeSpan.FromMinutes(30) || o.SessionLifetime > TimeSpan.FromHours(24),
                    "Stripe:SessionLifetime must be between 00:30:00 and 1.00:00:00 (Stripe's limits for a Checkout Session's expires_at)."),
                (!IsHttpUrlOrEmpty(o.ApiBase), "Stripe:ApiBase must be an absolute URL such as https://api.stripe.com."))));
    }

    private static IEnumerable<string> Problems(params (bool Failed, string Message)[] checks) =>
        checks.Where(c => c.Failed).Select(c => c.Message);

    private static bool IsHttpUrlOrEmpty(string? value) =>
        string.IsNullOrWhiteSpace(value)
        || (Uri.TryCreate(value, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp));

    private static void AddStripe(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<StripeSettings>();
        services.AddSingleton<StripeApi>();
        // No resilience handler: Stripe.net retries itself, with the request's idempotency key.
        services.AddHttpClient(StripeApi.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(30));
        services.AddScoped<StripeProvider>();
        services.AddScoped<IPaymentProvider>(sp => sp.GetRequiredService<StripeProvider>());
    }

    private static void AddPayPal(this IServiceCollection services, IConfiguration configuration)
    {
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
        app.MapSandbox(app.Services.GetRequiredService<SandboxMode>());
        return app;
    }
}

// One rule for every provider: while the local sandbox stands in for the providers nothing is
// required; otherwise a provider with any of its credentials set needs all of them.
internal sealed class ProviderSettingsValidator<TOptions>(
    SandboxMode sandbox,
    string section,
    (string Key, Func<TOptions, string?> Read)[] required,
    Func<TOptions, IEnumerable<string>> otherProblems) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var failures = otherProblems(options).ToList();
        if (!sandbox.Enabled && required.FirstOrDefault(r => !string.IsNullOrWhiteSpace(r.Read(options))) is { Key: { } setKey })
        {
            failures.AddRange(required.Where(r => string.IsNullOrWhiteSpace(r.Read(options)))
                .Select(r => $"{section}:{r.Key} must be set when {section}:{setKey} is set."));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
