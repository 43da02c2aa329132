using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
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
        services.AddOptions<PayPalSandboxOptions>()
            .Bind(section)
            // The binder appends configured array items to the default ones; configured delays replace them.
            .Configure(options =>
            {
                var delays = section.GetSection(nameof(PayPalSandboxOptions.RetryDelaysSeconds));
                if (delays.Exists())
                {
                    options.RetryDelaysSeconds = delays.Get<int[]>() ?? [];
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PayPalSandboxOptions>>(new PayPalSandboxOptionsValidator(path));

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

        services.AddHttpClient(WebhookHttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10))
            // PayPal does not follow redirects: a 3xx is a failed delivery like any other non-2xx.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        return services;
    }

    public static IEndpointRouteBuilder MapPayPalSandbox(this IEndpointRouteBuilder endpoints, string prefix = PayPalSandboxUrls.DefaultPrefix)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);

        var environment = endpoints.ServiceProvider.GetRequiredService<IHostEnvironment>();
        if (environment.IsProduction())
        {
            throw new InvalidOperationException(
                "The payment sandbox must not run in Production: it fakes PayPal and would confirm payments that never happened. "
                + "Set ASPNETCORE_ENVIRONMENT (or DOTNET_ENVIRONMENT) to Development or another non-Production environment to use it, "
                + "or configure the real PayPal API and do not map the sandbox in production.");
        }
        var urls = endpoints.ServiceProvider.GetService<PayPalSandboxUrls>()
            ?? throw new InvalidOperationException("Call builder.Services.AddPayPalSandbox(configuration.GetSection(\"Sandbox:PayPal\")) before MapPayPalSandbox().");
        urls.Prefix = "/" + prefix.Trim('/');

        // The sandbox stands in for an outside service: the host's authorization, rate limits,
        // antiforgery and API description do not apply to it.
        var sandbox = endpoints.MapGroup(urls.Prefix)
            .AllowAnonymous()
            .DisableAntiforgery()
            .DisableRateLimiting()
            .ExcludeFromDescription()
            .WithTags("PayPal sandbox");
        sandbox.MapPayPalApi();
        sandbox.MapCheckoutPage();
        sandbox.MapSandboxControls();
        return endpoints;
    }
}
