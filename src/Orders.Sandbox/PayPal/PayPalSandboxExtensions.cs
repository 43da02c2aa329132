using Orders.Sandbox.PayPal;
using Orders.Sandbox.Template;

namespace Orders.Sandbox;

public static class PayPalSandboxExtensions
{
    // The named HttpClient that delivers webhooks; tests may replace its primary handler.
    public const string WebhookHttpClientName = "Orders.Sandbox.PayPal.Webhooks";

    public const string DefaultPrefix = "/sandbox/paypal";

    public static IServiceCollection AddPayPalSandbox(this IServiceCollection services, IConfiguration section)
    {
        if (services.AddSandbox<PayPalSandboxOptions, PayPalProfile>(section, "Sandbox:PayPal", WebhookHttpClientName))
        {
            services.AddSingleton<PayPalSandboxAccounts>();
            services.AddSingleton<PayPalAccessTokens>();
            services.AddSingleton<PayPalRepresentations>();
            services.AddSingleton<SandboxOrders>();
            services.AddSingleton(sp => new PayPalWebhookSigner(sp.GetRequiredService<SandboxUrls<PayPalSandboxOptions>>(), sp.GetRequiredService<TimeProvider>()));
        }
        return services;
    }

    public static IEndpointRouteBuilder MapPayPalSandbox(this IEndpointRouteBuilder endpoints, string prefix = DefaultPrefix)
    {
        var sandbox = endpoints.MapSandbox<PayPalSandboxOptions>(prefix, "AddPayPalSandbox(configuration.GetSection(\"Sandbox:PayPal\"))");
        sandbox.MapPayPalApi();
        sandbox.MapCheckoutPage();
        sandbox.MapPayPalControls();
        return endpoints;
    }
}
