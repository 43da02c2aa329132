using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
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
        services.AddOptions<StripeSandboxOptions>()
            .Bind(section)
            // The binder appends configured array items to the default ones; configured delays replace them.
            .Configure(options =>
            {
                var delays = section.GetSection(nameof(StripeSandboxOptions.RetryDelaysSeconds));
                if (delays.Exists())
                {
                    options.RetryDelaysSeconds = delays.Get<int[]>() ?? [];
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<StripeSandboxOptions>>(new StripeSandboxOptionsValidator(path));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<StripeSandboxUrls>();
        services.AddSingleton<StripeSandboxKnobs>();
        services.AddSingleton<StripeIdempotency>();
        services.AddSingleton<StripeRepresentations>();
        services.AddSingleton<StripeWebhookOutbox>();
        services.AddSingleton<StripeSessions>();
        services.AddHostedService<StripeWebhookDelivery>();

        services.AddHttpClient(WebhookHttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10))
            // Stripe does not follow redirects: a 3xx is a failed delivery like any other non-2xx.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        return services;
    }

    public static IEndpointRouteBuilder MapStripeSandbox(this IEndpointRouteBuilder endpoints, string prefix = StripeSandboxUrls.DefaultPrefix)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);

        var environment = endpoints.ServiceProvider.GetRequiredService<IHostEnvironment>();
        if (environment.IsProduction())
        {
            throw new InvalidOperationException(
                "The payment sandbox must not run in Production: it fakes Stripe and would confirm payments that never happened. "
                + "Set ASPNETCORE_ENVIRONMENT (or DOTNET_ENVIRONMENT) to Development or another non-Production environment to use it, "
                + "or configure the real Stripe account (Stripe:SecretKey, Stripe:WebhookSecret) and do not map the sandbox in production.");
        }
        var urls = endpoints.ServiceProvider.GetService<StripeSandboxUrls>()
            ?? throw new InvalidOperationException("Call builder.Services.AddStripeSandbox(configuration.GetSection(\"Sandbox:Stripe\")) before MapStripeSandbox().");
        urls.Prefix = "/" + prefix.Trim('/');

        // The sandbox stands in for an outside service: the host's authorization, rate limits,
        // antiforgery and API description do not apply to it.
        var sandbox = endpoints.MapGroup(urls.Prefix)
            .AllowAnonymous()
            .DisableAntiforgery()
            .DisableRateLimiting()
            .ExcludeFromDescription()
            .WithTags("Stripe sandbox");
        sandbox.MapStripeApi();
        sandbox.MapStripeCheckoutPage();
        sandbox.MapStripeControls();
        return endpoints;
    }
}
