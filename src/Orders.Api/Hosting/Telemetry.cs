using OpenTelemetry.Metrics;

namespace Orders.Api.Hosting;

internal sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    // e.g. http://otel-collector:4317 — metrics are pushed there over OTLP.
    public string? OtlpEndpoint { get; set; }

    // Serve /metrics for a Prometheus scraper (keep it on an internal network).
    public bool PrometheusEnabled { get; set; }
}

internal static class Telemetry
{
    public static IServiceCollection AddTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        services.AddOptions<TelemetryOptions>()
            .Bind(configuration.GetSection(TelemetryOptions.Section))
            .Validate(o => string.IsNullOrWhiteSpace(o.OtlpEndpoint)
                    || (Uri.TryCreate(o.OtlpEndpoint, UriKind.Absolute, out var endpoint) && (endpoint.Scheme == Uri.UriSchemeHttp || endpoint.Scheme == Uri.UriSchemeHttps)),
                "Telemetry:OtlpEndpoint must be an absolute http(s) URL such as http://otel-collector:4317.")
            .ValidateOnStart();
        services.AddSingleton<OrdersMetrics>();
        if (string.IsNullOrWhiteSpace(options.OtlpEndpoint) && !options.PrometheusEnabled)
        {
            return services; // instruments still work (dotnet-counters, tests); nothing is exported
        }

        services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddMeter(OrdersMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation();
            if (!string.IsNullOrWhiteSpace(options.OtlpEndpoint))
            {
                metrics.AddOtlpExporter(o => o.Endpoint = new Uri(options.OtlpEndpoint));
            }

            if (options.PrometheusEnabled)
            {
                metrics.AddPrometheusExporter();
            }
        });
        return services;
    }

    public static WebApplication MapTelemetry(this WebApplication app)
    {
        if (app.Configuration.GetValue<bool>($"{TelemetryOptions.Section}:{nameof(TelemetryOptions.PrometheusEnabled)}"))
        {
            app.MapPrometheusScrapingEndpoint("/metrics");
        }

        return app;
    }
}
