using System.Data.Common;
using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.Options;

namespace Orders.Api.Data;

internal sealed class InstanceOptions
{
    public const string Section = "Instances";

    // How often this instance writes its heartbeat (service_instances.heartbeat_at).
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    // An instance whose heartbeat is older than this is taken for dead: the others remove its row
    // and release what it held (e-mail claims), which is then sent again.
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    // SQLite only (one instance per file): at start-up every other instance recorded in the file is
    // a previous process, so its claims are released at once instead of after Timeout.
    public bool ReleaseOthersAtStartup { get; set; } = true;
}

// Work an instance holds in the database on behalf of a running job (today: e-mail claims). Each
// claim names its holder (ServiceInstance.Id), so it can be released when the holder is gone.
// Every release is a conditional update: two survivors never both take one claim.
internal interface IInstanceClaims
{
    // Claims whose holder has no service_instances row any more (taken for dead and removed).
    Task<int> ReleaseOrphanedAsync(CancellationToken ct);

    // Every claim not held by `self`, named or not (SQLite at start-up: they are a previous process's).
    Task<int> ReleaseAllButAsync(string self, CancellationToken ct);

    // The claims `holder` still has (its own clean shutdown).
    Task<int> ReleaseHeldByAsync(string holder, CancellationToken ct);
}

// This process among the instances sharing the database. The id is random, made at start; an
// instance that finds its row removed (others took it for dead during a long pause or a lost
// connection) goes on under a new id, so nothing it began under the old one can still be recorded.
internal sealed class ServiceInstance(IOptions<InstanceOptions> options)
{
    private volatile string id = NewId();

    // Stopwatch time of the last heartbeat the database took: real elapsed time, which a paused
    // process also sees when it wakes (the business clock may be a test's).
    private long lastBeat = Stopwatch.GetTimestamp();

    public string Id => id;

    // Whether work claimed as `holder` may start its next step (an SMTP conversation): this instance
    // is still `holder`, and its last heartbeat is recent enough that no other instance can have
    // taken it for dead before the step begins.
    public bool MayContinue(string holder) =>
        holder == id && Stopwatch.GetElapsedTime(Interlocked.Read(ref lastBeat)) < options.Value.Timeout / 2;

    internal void Beat() => Interlocked.Exchange(ref lastBeat, Stopwatch.GetTimestamp());

    internal string Renew()
    {
        id = NewId();
        return id;
    }

    private static string NewId() => Guid.NewGuid().ToString("N");
}

// Writes this instance's heartbeat every Instances:HeartbeatInterval and, as every instance does,
// watches the others: an instance silent for Instances:Timeout loses its row, and what it held is
// released and queued again (within Timeout plus one interval of its death). On a clean shutdown
// the instance releases its own claims and removes its row at once. Modelled on Hangfire's servers
// (heartbeat row, a watchdog that removes timed-out servers), with a much shorter timeout: e-mails
// wait on it, not only the job list.
internal sealed partial class InstanceHeartbeat(
    Db db,
    ServiceInstance instance,
    IEnumerable<IInstanceClaims> claims,
    IOptions<InstanceOptions> options,
    IConfiguration configuration,
    TimeProvider time,
    ILogger<InstanceHeartbeat> logger) : BackgroundService
{
    private const string RegisterSql = "INSERT INTO service_instances (id, started_at, heartbeat_at) VALUES (@Id, @Now, @Now)";

    private const string BeatSql = "UPDATE service_instances SET heartbeat_at = @Now WHERE id = @Id";

    // Never this instance's own row: its clock is the one that decides about itself.
    private const string RemoveSilentSql = "DELETE FROM service_instances WHERE heartbeat_at < @AliveSince AND id <> @Id";

    private const string RemoveOthersSql = "DELETE FROM service_instances WHERE id <> @Id";

    private const string LeaveSql = "DELETE FROM service_instances WHERE id = @Id";

    // Registered before the job server starts (hosted services start in order), so no claim is
    // ever made under an id without a row.
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await using (var connection = await db.OpenAsync(cancellationToken))
        {
            await RegisterAsync(connection, cancellationToken);
            if (db.Provider == DatabaseProvider.Sqlite && options.Value.ReleaseOthersAtStartup && configuration.GetValue("Jobs:RunServer", true))
            {
                using (await db.WriteTurnAsync(WritePriority.Background, cancellationToken))
                {
                    await connection.ExecuteAsync(new CommandDefinition(RemoveOthersSql, new { instance.Id }, cancellationToken: cancellationToken));
                }

                foreach (var held in claims)
                {
                    await held.ReleaseAllButAsync(instance.Id, cancellationToken);
                }
            }
        }

        LogStarted(logger, instance.Id, Environment.MachineName);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The real clock paces the beats; the times written are the service's (TimeProvider).
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval);
        try
        {
            do
            {
                await BeatAndWatchAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync leaves.
        }
    }

    internal async Task BeatAndWatchAsync(CancellationToken ct)
    {
        try
        {
            await using var connection = await db.OpenAsync(ct);
            var now = time.GetUtcNow().UtcDateTime;
            int beat, removed;
            // Ahead of the jobs' writes: under a backlog a beat queued behind them would come late
            // enough to stop this instance's own e-mails (ServiceInstance.MayContinue).
            using (await db.WriteTurnAsync(WritePriority.Request, ct))
            {
                beat = await connection.ExecuteAsync(new CommandDefinition(BeatSql, new { instance.Id, Now = now }, cancellationToken: ct));
            }

            if (beat == 0)
            {
                // Others took this instance for dead and released its claims: start over under a new id.
                var old = instance.Id;
                instance.Renew();
                await RegisterAsync(connection, ct);
                LogTakenForDead(logger, old, instance.Id);
            }
            else
            {
                instance.Beat();
            }

            using (await db.WriteTurnAsync(WritePriority.Background, ct))
            {
                removed = await connection.ExecuteAsync(new CommandDefinition(RemoveSilentSql,
                    new { instance.Id, AliveSince = now - options.Value.Timeout }, cancellationToken: ct));
            }

            if (removed > 0)
            {
                LogRemoved(logger, removed, options.Value.Timeout);
            }

            foreach (var held in claims)
            {
                await held.ReleaseOrphanedAsync(ct);
            }
        }
        catch (Exception e) when (e is DbException or TimeoutException or InvalidOperationException && !ct.IsCancellationRequested)
        {
            // Storage trouble: this instance's work stops starting new steps once its last beat is
            // Timeout/2 old (ServiceInstance.MayContinue); the next beat tries again.
            LogBeatFailed(logger, e.GetType().Name);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // The job server has stopped (hosted services stop in reverse order): what this instance
        // still holds goes back at once, and the others need not wait for its heartbeat to age.
        try
        {
            foreach (var held in claims)
            {
                await held.ReleaseHeldByAsync(instance.Id, CancellationToken.None);
            }

            await using var connection = await db.OpenAsync(CancellationToken.None);
            using (await db.WriteTurnAsync(WritePriority.Background, CancellationToken.None))
            {
                await connection.ExecuteAsync(new CommandDefinition(LeaveSql, new { instance.Id }, cancellationToken: CancellationToken.None));
            }
        }
        catch (Exception e) when (e is DbException or TimeoutException or InvalidOperationException)
        {
            // The others release them once this instance's heartbeat is Instances:Timeout old.
            LogLeaveFailed(logger, e.GetType().Name, options.Value.Timeout);
        }
    }

    private async Task RegisterAsync(DbConnection connection, CancellationToken ct)
    {
        using (await db.WriteTurnAsync(WritePriority.Request, ct))
        {
            await connection.ExecuteAsync(new CommandDefinition(RegisterSql, new { instance.Id, Now = time.GetUtcNow().UtcDateTime }, cancellationToken: ct));
        }

        instance.Beat();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "This instance is {InstanceId} on {Host}")]
    private static partial void LogStarted(ILogger logger, string instanceId, string host);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Other instances took instance {OldId} for dead (its heartbeat was late) and released its claims; it goes on as {InstanceId}")]
    private static partial void LogTakenForDead(ILogger logger, string oldId, string instanceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} instance(s) wrote no heartbeat for {Timeout} and were taken for dead; their claims are released")]
    private static partial void LogRemoved(ILogger logger, int count, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write this instance's heartbeat ({ErrorType}); trying again")]
    private static partial void LogBeatFailed(ILogger logger, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release this instance's claims on shutdown ({ErrorType}); the other instances release them once its heartbeat is {Timeout} old")]
    private static partial void LogLeaveFailed(ILogger logger, string errorType, TimeSpan timeout);
}

internal static class ServiceInstancesRegistration
{
    public static IServiceCollection AddServiceInstances(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<InstanceOptions>()
            .Bind(configuration.GetSection(InstanceOptions.Section))
            .Validate(o => o.HeartbeatInterval > TimeSpan.Zero, "Instances:HeartbeatInterval must be positive (e.g. 00:00:05).")
            .Validate(o => o.Timeout >= 4 * o.HeartbeatInterval, "Instances:Timeout must be at least four times Instances:HeartbeatInterval (an instance is taken for dead after missing several beats, not one).")
            .ValidateOnStart();
        services.AddSingleton<ServiceInstance>();
        services.AddSingleton<InstanceHeartbeat>();
        services.AddHostedService(sp => sp.GetRequiredService<InstanceHeartbeat>());
        return services;
    }
}
