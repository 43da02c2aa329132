using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orders.Sandbox.Webhooks;
using Orders.Sandbox.PayPal;

namespace Orders.Sandbox;

public static class PayPalSandboxExtensions
{
    // The named HttpClient that delivers webhooks; tests may replace its primary handler.
    public const string WebhookHttpClientName = "Orders.Sandbox.PayPal.Webhooks";

    public static IServiceCollection AddPayPalSandbox(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        if (services.Any(d => d.ServiceType == typeof(SandboxOrders)))
        {
            return services;
        }

        var path = section is IConfigurationSection named ? named.Path : "Sandbox:PayPal";
        services.AddSandboxOptions<PayPalSandboxOptions>(section, new PayPalSandboxOptionsValidator(path));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<PayPalSandboxUrls>();
        services.AddSingleton<PayPalSandboxAccounts>();
        services.AddSingleton<PayPalSandboxKnobs>();
        services.AddSingleton<PayPalAccessTokens>();
        services.AddSingleton<PayPalIdempotency>();
        services.AddSingleton<PayPalRepresentations>();
        services.AddSingleton<WebhookEvents>();
        services.AddSingleton<WebhookOutbox>();
        services.AddSingleton<SandboxOrders>();
        services.AddSingleton(sp => new PayPalWebhookSigner(sp.GetRequiredService<PayPalSandboxUrls>(), sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<WebhookDelivery>();

        services.AddDeliveryClient(WebhookHttpClientName);
        return services;
    }

    public static IEndpointRouteBuilder MapPayPalSandbox(this IEndpointRouteBuilder endpoints, string prefix = PayPalSandboxUrls.DefaultPrefix)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);

        endpoints.RefuseProduction("PayPal", "the real PayPal API");
        var urls = endpoints.ServiceProvider.GetService<PayPalSandboxUrls>()
            ?? throw new InvalidOperationException("Call builder.Services.AddPayPalSandbox(configuration.GetSection(\"Sandbox:PayPal\")) before MapPayPalSandbox().");
        urls.Prefix = "/" + prefix.Trim('/');

        var sandbox = endpoints.MapSandboxGroup(urls.Prefix, "PayPal sandbox");
        sandbox.MapPayPalApi();
        sandbox.MapCheckoutPage();
        sandbox.MapSandboxControls();
        return endpoints;
    }
}
