using System.Text.Json;
using Hangfire;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orders.Api.Data;

namespace Orders.Api.Hosting;

// /health/live: the process answers. /health/ready: it can do its job (database reachable and
// taking writes, schema current, job storage reachable). Answers say which check failed, never why
// in detail: exception text can carry connection details.
internal static class Health
{
    private const string Ready = "ready";

    public static IServiceCollection AddHealth(this IServiceCollection services)
    {
        services.AddSingleton<StorageWriteProbe>();
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [Ready])
            .AddCheck<DatabaseWritesHealthCheck>("database-writes", tags: [Ready])
            .AddCheck<MigrationsHealthCheck>("migrations", tags: [Ready])
            .AddCheck<JobStorageHealthCheck>("job-storage", tags: [Ready]);
        return services;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).WithTags("Health");
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteAsync }).WithTags("Health");
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        }));
    }

    private sealed class DatabaseHealthCheck(Db db) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await db.ProbeAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("The orders database cannot be reached.");
            }
        }
    }

    // A full disk or a read-only file still answers reads: only a write shows it (StorageWriteProbe).
    private sealed class DatabaseWritesHealthCheck(StorageWriteProbe probe) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var outcome = await probe.ProbeAsync(cancellationToken);
            return outcome.Error is null
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"The orders database refuses writes ({outcome.Error}).");
        }
    }

    private sealed class MigrationsHealthCheck(Migrations migrations) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var pending = migrations.PendingScripts();
                return Task.FromResult(pending.Count == 0
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy($"{pending.Count} migration(s) not applied."));
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy("The migration journal cannot be read."));
            }
        }
    }

    private sealed class JobStorageHealthCheck(JobStorage storage) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                using var connection = storage.GetConnection();
                _ = connection.GetAllItemsFromSet("recurring-jobs");
                return Task.FromResult(HealthCheckResult.Healthy());
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy("The job storage cannot be reached."));
            }
        }
    }
}
