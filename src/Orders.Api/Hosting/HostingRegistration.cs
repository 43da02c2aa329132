using Microsoft.AspNetCore.HttpOverrides;
using Scalar.AspNetCore;

namespace Orders.Api.Hosting;

internal sealed class ForwardedHeadersSettings
{
    public const string Section = "ForwardedHeaders";

    // Behind a reverse proxy: trust its X-Forwarded-For/-Proto/-Host so redirects and the links
    // handed to providers use the public address.
    public bool Enabled { get; set; }

    public List<string> KnownProxies { get; set; } = [];

    public List<string> KnownNetworks { get; set; } = [];
}

internal static class HostingRegistration
{
    // No request needs more than this; webhooks and checkout have tighter limits of their own.
    public const long MaxRequestBodyBytes = 1024 * 1024;

    public static WebApplicationBuilder AddHosting(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddOptions<PublicAddressOptions>()
            .Bind(configuration.GetSection(PublicAddressOptions.Section))
            .Validate(o => string.IsNullOrWhiteSpace(o.PublicBaseUrl) || Uri.TryCreate(o.PublicBaseUrl, UriKind.Absolute, out _), "App:PublicBaseUrl must be an absolute URL such as https://shop.example.com.")
            // Without it the links handed to providers (return, cancel) and mailed to customers would
            // be built from the request's Host header, which the client chooses.
            .Validate<IHostEnvironment>((o, environment) => !environment.IsProduction() || !string.IsNullOrWhiteSpace(o.PublicBaseUrl),
                "set App:PublicBaseUrl to the address customers reach the shop at (e.g. https://shop.example.com)")
            .ValidateOnStart();
        services.AddSingleton<PublicAddress>();
        services.AddSingleton(TimeProvider.System);
        services.AddErrorHandling();
        services.AddDataProtectionKeys(configuration);
        services.AddAntiforgery();
        services.AddHealth();
        services.AddRateLimits(configuration);
        services.AddTelemetry(configuration);
        services.AddRequestLog(configuration);
        // The sandbox is never described. In Production neither are the staff routes (/api/support/*,
        // admin ones included): the document is public, and staff work through the console.
        var describeStaffRoutes = !builder.Environment.IsProduction();
        services.AddOpenApi(ApiDescription.DocumentName, options =>
        {
            options.ShouldInclude = description =>
                description.RelativePath is not { } path
                || (!path.StartsWith("sandbox", StringComparison.Ordinal)
                    && (describeStaffRoutes || !path.StartsWith("api/support", StringComparison.Ordinal)));
            ApiDescription.Describe(options);
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;

            // No "Server: Kestrel" on every answer: it tells a scanner what to try and nobody else anything.
            kestrel.AddServerHeader = false;
        });

        var forwarded = configuration.GetSection(ForwardedHeadersSettings.Section).Get<ForwardedHeadersSettings>() ?? new();
        services.AddOptions<ForwardedHeadersSettings>()
            .Bind(configuration.GetSection(ForwardedHeadersSettings.Section))
            .Validate(o => o.KnownProxies.All(p => System.Net.IPAddress.TryParse(p, out _)), "ForwardedHeaders:KnownProxies must be IP addresses such as 172.29.0.10.")
            .Validate(o => o.KnownNetworks.All(n => System.Net.IPNetwork.TryParse(n, out _)), "ForwardedHeaders:KnownNetworks must be networks such as 172.29.0.0/24.")
            .ValidateOnStart();
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            foreach (var proxy in forwarded.KnownProxies)
            {
                o.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
            }

            foreach (var network in forwarded.KnownNetworks)
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });

        // Structured JSON logs outside development; the messages themselves carry no personal data.
        // appsettings.json turns the category Microsoft.AspNetCore.Hosting.Diagnostics off: while it
        // is enabled at any level, the framework starts an Activity and a logging scope for every
        // request, for log lines (request starting/finished, at Information) that are never written
        // here. The request log (RequestLog.cs) counts requests instead; a start-up failure is still
        // logged by the host (Microsoft.Extensions.Hosting) and ends the process.
        if (!builder.Environment.IsDevelopment())
        {
            builder.Logging.AddJsonConsole(o => o.UseUtcTimestamp = true);
        }

        return builder;
    }

    public static WebApplication UseHosting(this WebApplication app)
    {
        if (app.Configuration.GetValue<bool>($"{ForwardedHeadersSettings.Section}:{nameof(ForwardedHeadersSettings.Enabled)}"))
        {
            app.UseForwardedHeaders();
        }

        // After forwarded headers (the client's address, not the proxy's); outside the exception
        // handler, so the logged status is the one the client got.
        app.UseRequestLog();
        app.UseSecurityHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages(ErrorPages.WriteStatusCodePageAsync);

        // Routing here, not first: the providers' webhooks are short-circuited at this point
        // (WebhookReceiver.MapWebhookGroup), after the middleware above and before the rest.
        app.UseRouting();
        // The service listens on plain HTTP only; the reverse proxy in front terminates TLS and
        // redirects HTTP to HTTPS (deploy/Caddyfile). HSTS is sent on the requests the proxy says
        // came over HTTPS (X-Forwarded-Proto).
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }

        // The support console's cookie session; before antiforgery, whose tokens are bound to the user.
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();
        return app;
    }

    public static WebApplication MapOperations(this WebApplication app)
    {
        app.MapHealth();
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference("/api-docs");
        }

        app.MapTelemetry();
        return app;
    }
}
