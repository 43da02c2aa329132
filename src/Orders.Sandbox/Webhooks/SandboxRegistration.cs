using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Orders.Sandbox.Webhooks;

// What every stand-in's options have: its delivery retry schedule.
internal interface IDeliveryScheduleOptions
{
    int[] RetryDelaysSeconds { get; set; }

    int MaxDeliveryAttempts { get; }
}

// The registration steps the three stand-ins share.
internal static class SandboxRegistration
{
    public static void AddSandboxOptions<TOptions>(this IServiceCollection services, IConfiguration section, IValidateOptions<TOptions> validator)
        where TOptions : class, IDeliveryScheduleOptions
    {
        services.AddOptions<TOptions>()
            .Bind(section)
            // The binder appends configured array items to the default ones; configured delays replace them.
            .Configure(options =>
            {
                var delays = section.GetSection(nameof(IDeliveryScheduleOptions.RetryDelaysSeconds));
                if (delays.Exists())
                {
                    options.RetryDelaysSeconds = delays.Get<int[]>() ?? [];
                }
            })
            .ValidateOnStart();
        services.AddSingleton(validator);
    }

    // The providers do not follow redirects: a 3xx is a failed delivery like any other refusal.
    public static void AddDeliveryClient(this IServiceCollection services, string name) =>
        services.AddHttpClient(name, client => client.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });

    public static DeliverySchedule Schedule(this IDeliveryScheduleOptions options) => new(options.MaxDeliveryAttempts, options.RetryDelaysSeconds);

    // A stand-in confirms payments that never happened: it refuses to be mapped in Production.
    public static void RefuseProduction(this IEndpointRouteBuilder endpoints, string provider, string realConfiguration)
    {
        var environment = endpoints.ServiceProvider.GetRequiredService<IHostEnvironment>();
        if (environment.IsProduction())
        {
            throw new InvalidOperationException(
                $"The payment sandbox must not run in Production: it fakes {provider} and would confirm payments that never happened. "
                + "Set ASPNETCORE_ENVIRONMENT (or DOTNET_ENVIRONMENT) to Development or another non-Production environment to use it, "
                + $"or configure {realConfiguration} and do not map the sandbox in production.");
        }
    }

    // A stand-in's endpoints stand in for an outside service: the host's authorization, rate
    // limits, antiforgery and API description do not apply to them.
    public static RouteGroupBuilder MapSandboxGroup(this IEndpointRouteBuilder endpoints, string prefix, string tag) =>
        endpoints.MapGroup(prefix)
            .AllowAnonymous()
            .DisableAntiforgery()
            .DisableRateLimiting()
            .ExcludeFromDescription()
            .WithTags(tag);
}
