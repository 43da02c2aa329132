using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
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
        services.AddOptions<AvangateSandboxOptions>()
            .Bind(section)
            // The binder appends configured array items to the default ones; configured delays replace them.
            .Configure(options =>
            {
                var delays = section.GetSection(nameof(AvangateSandboxOptions.RetryDelaysSeconds));
                if (delays.Exists())
                {
                    options.RetryDelaysSeconds = delays.Get<int[]>() ?? [];
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AvangateSandboxOptions>>(new AvangateSandboxOptionsValidator(path));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AvangateSandboxUrls>();
        services.AddSingleton<AvangateSandboxKnobs>();
        services.AddSingleton<AvangateNotificationFields>();
        services.AddSingleton<AvangateNotificationOutbox>();
        services.AddSingleton<AvangateOrders>();
        services.AddSingleton(sp => new AvangateIpnSigner(
            sp.GetRequiredService<IOptions<AvangateSandboxOptions>>(), sp.GetRequiredService<ILogger<AvangateIpnSigner>>()));
        services.AddHostedService<AvangateNotificationDelivery>();

        services.AddHttpClient(NotificationHttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10))
            // A redirect is not a read receipt: 3xx is a failed delivery like any other non-200.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        return services;
    }

    public static IEndpointRouteBuilder MapAvangateSandbox(this IEndpointRouteBuilder endpoints, string prefix = AvangateSandboxUrls.DefaultPrefix)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);

        var environment = endpoints.ServiceProvider.GetRequiredService<IHostEnvironment>();
        if (environment.IsProduction())
        {
            throw new InvalidOperationException(
                "The payment sandbox must not run in Production: it fakes 2Checkout (Avangate) and would confirm payments that never happened. "
                + "Set ASPNETCORE_ENVIRONMENT (or DOTNET_ENVIRONMENT) to Development or another non-Production environment to use it, "
                + "or configure the real 2Checkout account and do not map the sandbox in production.");
        }
        var urls = endpoints.ServiceProvider.GetService<AvangateSandboxUrls>()
            ?? throw new InvalidOperationException("Call builder.Services.AddAvangateSandbox(configuration.GetSection(\"Sandbox:Avangate\")) before MapAvangateSandbox().");
        urls.Prefix = "/" + prefix.Trim('/');

        // The sandbox stands in for an outside service: the host's authorization, rate limits,
        // antiforgery and API description do not apply to it.
        var sandbox = endpoints.MapGroup(urls.Prefix)
            .AllowAnonymous()
            .DisableAntiforgery()
            .DisableRateLimiting()
            .ExcludeFromDescription()
            .WithTags("Avangate sandbox");
        sandbox.MapCartPage();
        sandbox.MapAvangateControls();
        return endpoints;
    }
}
