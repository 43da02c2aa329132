using Microsoft.Extensions.Options;
using Orders.Sandbox.Avangate;
using Orders.Sandbox.PayPal;
using Orders.Sandbox.Stripe;
using Orders.Sandbox.Template;

namespace Orders.Sandbox;

// The three stand-ins as a host adds and maps them: the template's registration (SandboxRegistration)
// plus each provider's own services and routes.
public static class SandboxExtensions
{
    // The named HttpClients that deliver webhooks and notifications; tests may replace their primary handlers.
    public const string PayPalClientName = "Orders.Sandbox.PayPal.Webhooks";
    public const string AvangateClientName = "Orders.Sandbox.Avangate.Notifications";
    public const string StripeClientName = "Orders.Sandbox.Stripe.Webhooks";

    // Where each stand-in is mounted unless the host says otherwise (the shop's provider base URLs end in these).
    public const string PayPalPrefix = "/sandbox/paypal";
    public const string AvangatePrefix = "/sandbox/avangate";
    public const string StripePrefix = "/sandbox/stripe";

    public static IServiceCollection AddPayPalSandbox(this IServiceCollection services, IConfiguration section)
    {
        if (services.AddSandbox<PayPalSandboxOptions, PayPalProfile>(section, "Sandbox:PayPal", PayPalClientName))
        {
            services.AddSingleton<PayPalSandboxAccounts>();
            services.AddSingleton<PayPalAccessTokens>();
            services.AddSingleton<PayPalRepresentations>();
            services.AddSingleton<SandboxOrders>();
            services.AddSingleton(sp => new PayPalWebhookSigner(sp.GetRequiredService<SandboxUrls<PayPalSandboxOptions>>(), sp.GetRequiredService<TimeProvider>()));
        }
        return services;
    }

    public static IEndpointRouteBuilder MapPayPalSandbox(this IEndpointRouteBuilder endpoints, string prefix = PayPalPrefix)
    {
        var sandbox = endpoints.MapSandbox<PayPalSandboxOptions>(prefix, "AddPayPalSandbox(configuration.GetSection(\"Sandbox:PayPal\"))");
        sandbox.MapPayPalApi();
        sandbox.MapCheckoutPage();
        sandbox.MapPayPalControls();
        return endpoints;
    }

    public static IServiceCollection AddAvangateSandbox(this IServiceCollection services, IConfiguration section)
    {
        if (services.AddSandbox<AvangateSandboxOptions, AvangateProfile>(section, "Sandbox:Avangate", AvangateClientName))
        {
            services.AddSingleton<AvangateNotificationFields>();
            services.AddSingleton<AvangateOrders>();
            services.AddSingleton(sp => new AvangateIpnSigner(
                sp.GetRequiredService<IOptions<AvangateSandboxOptions>>(), sp.GetRequiredService<ILogger<AvangateIpnSigner>>()));
        }
        return services;
    }

    public static IEndpointRouteBuilder MapAvangateSandbox(this IEndpointRouteBuilder endpoints, string prefix = AvangatePrefix)
    {
        var sandbox = endpoints.MapSandbox<AvangateSandboxOptions>(prefix, "AddAvangateSandbox(configuration.GetSection(\"Sandbox:Avangate\"))");
        sandbox.MapCartPage();
        sandbox.MapAvangateControls();
        // The whole area is the sandbox's own (no 2Checkout REST API here): unknown paths answer in its problem shape.
        sandbox.MapUnknownRoutes<AvangateSandboxOptions>("");
        return endpoints;
    }

    public static IServiceCollection AddStripeSandbox(this IServiceCollection services, IConfiguration section)
    {
        if (services.AddSandbox<StripeSandboxOptions, StripeProfile>(section, "Sandbox:Stripe", StripeClientName))
        {
            services.AddSingleton<StripeRepresentations>();
            services.AddSingleton<StripeSessions>();
        }
        return services;
    }

    public static IEndpointRouteBuilder MapStripeSandbox(this IEndpointRouteBuilder endpoints, string prefix = StripePrefix)
    {
        var sandbox = endpoints.MapSandbox<StripeSandboxOptions>(prefix, "AddStripeSandbox(configuration.GetSection(\"Sandbox:Stripe\"))");
        sandbox.MapStripeApi();
        sandbox.MapStripeCheckoutPage();
        sandbox.MapStripeControls();
        return endpoints;
    }
}
