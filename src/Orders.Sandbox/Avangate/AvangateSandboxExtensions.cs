using Microsoft.Extensions.Options;
using Orders.Sandbox.Avangate;
using Orders.Sandbox.Template;

namespace Orders.Sandbox;

public static class AvangateSandboxExtensions
{
    // The named HttpClient that delivers IPNs and LCNs; tests may replace its primary handler.
    public const string NotificationHttpClientName = "Orders.Sandbox.Avangate.Notifications";

    public const string DefaultPrefix = "/sandbox/avangate";

    public static IServiceCollection AddAvangateSandbox(this IServiceCollection services, IConfiguration section)
    {
        if (services.AddSandbox<AvangateSandboxOptions, AvangateProfile>(section, "Sandbox:Avangate", NotificationHttpClientName))
        {
            services.AddSingleton<AvangateNotificationFields>();
            services.AddSingleton<AvangateOrders>();
            services.AddSingleton(sp => new AvangateIpnSigner(
                sp.GetRequiredService<IOptions<AvangateSandboxOptions>>(), sp.GetRequiredService<ILogger<AvangateIpnSigner>>()));
        }
        return services;
    }

    public static IEndpointRouteBuilder MapAvangateSandbox(this IEndpointRouteBuilder endpoints, string prefix = DefaultPrefix)
    {
        var sandbox = endpoints.MapSandbox<AvangateSandboxOptions>(prefix, "AddAvangateSandbox(configuration.GetSection(\"Sandbox:Avangate\"))");
        sandbox.MapCartPage();
        sandbox.MapAvangateControls();
        // The whole area is the sandbox's own (no 2Checkout REST API here): unknown paths answer in its problem shape.
        sandbox.MapUnknownRoutes<AvangateSandboxOptions>("");
        return endpoints;
    }
}
