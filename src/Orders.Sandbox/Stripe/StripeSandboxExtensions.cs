using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orders.Sandbox.Webhooks;
using Orders.Sandbox.Stripe;

namespace Orders.Sandbox;

public static class StripeSandboxExtensions
{
    // The named HttpClient that delivers webhooks; tests may replace its primary handler.
    public const string WebhookHttpClientName = "Orders.Sandbox.Stripe.Webhooks";

    public static IServiceCollection AddStripeSandbox(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        if (services.Any(d => d.ServiceType == typeof(StripeSessions)))
        {
            return services;
        }

        var path = section is IConfigurationSection named ? named.Path : "Sandbox:Stripe";
        services.AddSandboxOptions<StripeSandboxOptions>(section, new StripeSandboxOptionsValidator(path));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<StripeSandboxUrls>();
        services.AddSingleton<StripeSandboxKnobs>();
        services.AddSingleton<StripeIdempotency>();
        services.AddSingleton<StripeRepresentations>();
        services.AddSingleton<StripeWebhookOutbox>();
        services.AddSingleton<StripeSessions>();
        services.AddHostedService<StripeWebhookDelivery>();

        services.AddDeliveryClient(WebhookHttpClientName);
        return services;
    }

    public static IEndpointRouteBuilder MapStripeSandbox(this IEndpointRouteBuilder endpoints, string prefix = StripeSandboxUrls.DefaultPrefix)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);

        endpoints.RefuseProduction("Stripe", "the real Stripe account (Stripe:SecretKey, Stripe:WebhookSecret)");
        var urls = endpoints.ServiceProvider.GetService<StripeSandboxUrls>()
            ?? throw new InvalidOperationException("Call builder.Services.AddStripeSandbox(configuration.GetSection(\"Sandbox:Stripe\")) before MapStripeSandbox().");
        urls.Prefix = "/" + prefix.Trim('/');

        var sandbox = endpoints.MapSandboxGroup(urls.Prefix, "Stripe sandbox");
        sandbox.MapStripeApi();
        sandbox.MapStripeCheckoutPage();
        sandbox.MapStripeControls();
        return endpoints;
    }
}
