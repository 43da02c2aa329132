using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Orders.Sandbox.Template;

internal sealed record QueuedEvent(string Id);

// The one registration of a stand-in: options, URLs, knobs, outbox, delivery service and delivery
// client for AddXSandbox; the Production refusal, the route group and the shared control
// endpoints for MapXSandbox. A provider adds its own services and routes.
internal static class SandboxRegistration
{
    // False when this provider's sandbox is registered already.
    public static bool AddSandbox<TOptions, TProfile>(this IServiceCollection services, IConfiguration section, string defaultSection, string clientName)
        where TOptions : SandboxOptions
        where TProfile : SandboxProfile<TOptions>
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        if (services.Any(d => d.ServiceType == typeof(SandboxProfile<TOptions>)))
        {
            return false;
        }
        services.AddOptions<TOptions>()
            .Bind(section)
            // The binder appends configured array items to the default ones; configured delays replace them.
            .Configure(options =>
            {
                if (section.GetSection(nameof(SandboxOptions.RetryDelaysSeconds)) is { } delays && delays.Exists())
                {
                    options.RetryDelaysSeconds = delays.Get<int[]>() ?? [];
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>>(new SandboxOptionsValidator<TOptions>(section is IConfigurationSection named ? named.Path : defaultSection));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SandboxUrls<TOptions>>();
        services.AddSingleton<Knobs<TOptions>>();
        services.AddSingleton<Outbox<TOptions>>();
        services.AddSingleton<TProfile>();
        services.AddSingleton<SandboxProfile<TOptions>>(sp => sp.GetRequiredService<TProfile>());
        services.AddHostedService<DeliveryService<TOptions>>();
        // The providers do not follow redirects: a 3xx is a failed delivery like any other refusal.
        services.AddHttpClient(clientName, client => client.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        return true;
    }

    // A stand-in confirms payments that never happened: it refuses to be mapped in Production. Its
    // endpoints stand in for an outside service: the host's authorization, rate limits, antiforgery
    // and API description do not apply to them.
    public static RouteGroupBuilder MapSandbox<TOptions>(this IEndpointRouteBuilder endpoints, string prefix, string addCall)
        where TOptions : SandboxOptions
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        var profile = endpoints.ServiceProvider.GetService<SandboxProfile<TOptions>>()
            ?? throw new InvalidOperationException($"Call builder.Services.{addCall} before mapping the sandbox.");
        if (endpoints.ServiceProvider.GetRequiredService<IHostEnvironment>().IsProduction())
        {
            throw new InvalidOperationException(
                $"The payment sandbox must not run in Production: it fakes {profile.Name} and would confirm payments that never happened. "
                + "Set ASPNETCORE_ENVIRONMENT (or DOTNET_ENVIRONMENT) to Development or another non-Production environment to use it, "
                + $"or configure {profile.RealConfiguration} and do not map the sandbox in production.");
        }
        var urls = endpoints.ServiceProvider.GetRequiredService<SandboxUrls<TOptions>>();
        urls.Prefix = "/" + prefix.Trim('/');

        var sandbox = endpoints.MapGroup(urls.Prefix)
            .AllowAnonymous()
            .DisableAntiforgery()
            .DisableRateLimiting()
            .ExcludeFromDescription()
            .WithTags(profile.Name + " sandbox");
        sandbox.MapGet(profile.DeliveriesPath, ListDeliveries<TOptions>);
        sandbox.MapGet("/_settings", (Knobs<TOptions> knobs, SandboxProfile<TOptions> p) => TypedResults.Json(knobs.Current, SandboxJson.Knobs(p.DropKnob)));
        sandbox.MapPost("/_settings", ReplaceSettings<TOptions>);
        return sandbox;
    }

    // Where the provider's API answers: FailApiCalls makes it "down", in the provider's error shape.
    public static RouteGroupBuilder MapApiGroup<TOptions>(this RouteGroupBuilder sandbox, string prefix = "")
        where TOptions : SandboxOptions =>
        sandbox.MapGroup(prefix).AddEndpointFilter(async (context, next) =>
        {
            var services = context.HttpContext.RequestServices;
            return services.GetRequiredService<Knobs<TOptions>>().Current.FailApiCalls
                ? services.GetRequiredService<SandboxProfile<TOptions>>().Unavailable()
                : await next(context);
        });

    // Any other path or method under these areas answers 404 in the provider's error shape (a
    // catch-all has the lowest precedence, so it only gets what nothing else matched).
    public static void MapUnknownRoutes<TOptions>(this RouteGroupBuilder group, params string[] areas)
        where TOptions : SandboxOptions
    {
        foreach (var area in areas)
        {
            group.Map(area + "/{**path}", (HttpRequest request, SandboxProfile<TOptions> profile) => profile.NotFound(request));
        }
    }

    // Signs and delivers the posted bytes as they are, so tests control every byte of an event; only
    // a missing required field is filled in (which means re-serializing).
    public static void MapEventSend<TOptions>(this RouteGroupBuilder sandbox)
        where TOptions : WebhookSandboxOptions =>
        sandbox.MapPost("/_webhooks/send", async Task<Results<JsonHttpResult<QueuedEvent>, ValidationProblem>> (
            HttpRequest request, Outbox<TOptions> outbox, SandboxProfile<TOptions> profile, CancellationToken cancellationToken) =>
        {
            var events = (JsonWebhookProfile<TOptions>)profile;
            if (await SandboxJson.ReadEventAsync(request, events.Wire, cancellationToken, events.RequiredEventFields) is not { } read)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [$"Send a {profile.Name} event as a JSON object."] });
            }
            var (body, sent) = read;
            var id = SandboxJson.Text(sent, "id")!;
            outbox.Enqueue(JsonWebhookProfile<TOptions>.Message(id, SandboxJson.Text(sent, events.TypeField) ?? "(none)", body));
            return TypedResults.Json(new QueuedEvent(id), SandboxJson.Control, statusCode: StatusCodes.Status202Accepted);
        });

    private static JsonHttpResult<JsonArray> ListDeliveries<TOptions>(HttpRequest request, Outbox<TOptions> outbox, SandboxProfile<TOptions> profile)
        where TOptions : SandboxOptions
    {
        var filters = profile.Filters.Select(f => new KeyValuePair<string, string?>(f, request.Query.TryGetValue(f, out var v) ? v.ToString() : null));
        return TypedResults.Json(new JsonArray([.. outbox.List(filters).Select(profile.View)]), SandboxJson.Control);
    }

    // Replaces all knobs; a field left out goes back to off / 0.
    private static async Task<Results<JsonHttpResult<SandboxKnobs>, ValidationProblem>> ReplaceSettings<TOptions>(
        HttpRequest request, Knobs<TOptions> knobs, SandboxProfile<TOptions> profile, CancellationToken cancellationToken)
        where TOptions : SandboxOptions
    {
        var json = SandboxJson.Knobs(profile.DropKnob);
        SandboxKnobs? replacement;
        try
        {
            replacement = await JsonSerializer.DeserializeAsync<SandboxKnobs>(request.Body, json, cancellationToken);
        }
        catch (JsonException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [e.Message] });
        }
        if (replacement is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Send the settings as a JSON object."] });
        }
        if (replacement.Problems() is { Count: > 0 } problems)
        {
            return TypedResults.ValidationProblem(problems);
        }
        knobs.Replace(replacement);
        return TypedResults.Json(replacement, json);
    }
}
