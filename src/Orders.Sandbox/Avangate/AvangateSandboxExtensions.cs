using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orders.Sandbox.Webhooks;
using Orders.Sandbox.Avangate;

namespace Orders.Sandbox;

public static class AvangateSandboxExtensions
{
    // The named HttpClient that delivers IPNs and LCNs; tests may replace its primary handler.
    public const string NotificationHttpClientName = "Orders.Sandbox.Avangate.Notifications";

    public static IServiceCollection AddAvangateSandbox(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        if (services.Any(d => d.ServiceType == typeof(AvangateOrders)))
        {
            return services;
        }

        var path = section is IConfigurationSection named ? named.Path : "Sandbox:Avangate";
        services.AddSandboxOptions<AvangateSandboxOptions>(section, new AvangateSandboxOptionsValidator(path));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AvangateSandboxUrls>();
        services.AddSingleton<AvangateSandboxKnobs>();
        services.AddSingleton<AvangateNotificationFields>();
        services.AddSingleton<AvangateNotificationOutbox>();
        services.AddSingleton<AvangateOrders>();
        services.AddSingleton(sp => new AvangateIpnSigner(
            sp.GetRequiredService<IOptions<AvangateSandboxOptions>>(), sp.GetRequiredService<ILogger<AvangateIpnSigner>>()));
        services.AddHostedService<AvangateNotificationDelivery>();

        services.AddDeliveryClient(NotificationHttpClientName);
        return services;
    }

    public static IEndpointRouteBuilder MapAvangateSandbox(this IEndpointRouteBuilder endpoints, string prefix = AvangateSandboxUrls.DefaultPrefix)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);

        endpoints.RefuseProduction("2Checkout (Avangate)", "the real 2Checkout account");
        var urls = endpoints.ServiceProvider.GetService<AvangateSandboxUrls>()
            ?? throw new InvalidOperationException("Call builder.Services.AddAvangateSandbox(configuration.GetSection(\"Sandbox:Avangate\")) before MapAvangateSandbox().");
        urls.Prefix = "/" + prefix.Trim('/');

        var sandbox = endpoints.MapSandboxGroup(urls.Prefix, "Avangate sandbox");
        sandbox.MapCartPage();
        sandbox.MapAvangateControls();
        return endpoints;
    }
}
