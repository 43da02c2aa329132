using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orders.Api.Hosting;

namespace Orders.Api.Data;

// The storage's part of /health/ready (Hosting/Health.cs).
internal static class StorageHealth
{
    public static IServiceCollection AddStorageHealth(this IServiceCollection services)
    {
        services.AddSingleton<StorageWriteProbe>();
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [Health.Ready])
            .AddCheck<DatabaseWritesHealthCheck>("database-writes", tags: [Health.Ready])
            .AddCheck<MigrationsHealthCheck>("migrations", tags: [Health.Ready]);
        return services;
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
}
