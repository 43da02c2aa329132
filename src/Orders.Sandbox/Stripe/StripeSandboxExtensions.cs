using Orders.Sandbox.Stripe;
using Orders.Sandbox.Template;

namespace Orders.Sandbox;

public static class StripeSandboxExtensions
{
    // The named HttpClient that delivers webhooks; tests may replace its primary handler.
    public const string WebhookHttpClientName = "Orders.Sandbox.Stripe.Webhooks";

    public const string DefaultPrefix = "/sandbox/stripe";

    public static IServiceCollection AddStripeSandbox(this IServiceCollection services, IConfiguration section)
    {
        if (services.AddSandbox<StripeSandboxOptions, StripeProfile>(section, "Sandbox:Stripe", WebhookHttpClientName))
        {
            services.AddSingleton<StripeRepresentations>();
            services.AddSingleton<StripeSessions>();
        }
        return services;
    }

    public static IEndpointRouteBuilder MapStripeSandbox(this IEndpointRouteBuilder endpoints, string prefix = DefaultPrefix)
    {
        var sandbox = endpoints.MapSandbox<StripeSandboxOptions>(prefix, "AddStripeSandbox(configuration.GetSection(\"Sandbox:Stripe\"))");
        sandbox.MapStripeApi();
        sandbox.MapStripeCheckoutPage();
        sandbox.MapStripeControls();
        return endpoints;
    }
}
