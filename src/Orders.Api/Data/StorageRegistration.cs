using Dapper;
using Microsoft.Extensions.Options;
using Orders.Api.Hosting;

namespace Orders.Api.Data;

internal static class StorageRegistration
{
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        UtcDateTimeHandler.Register();

        // "WHERE id IN @Ids" becomes a statement text per list length, and each SQLite connection
        // keeps every text it has compiled (Data/SqliteSessions.cs; SQL Server caches a plan per
        // text). Batches of e-mails and events come in every length from 1 to 32 (up to 256), so
        // connections filled up with near-identical compiled statements: ≈ 13 MB more at the peak of
        // a webhook backlog once groups started to commit early (docs/bench-history-2026-11.md, round 12). Padded,
        // a list of more than five is sent in steps of ten (6–10 → 10, 11–20 → 20, …) with NULLs,
        // which IN never matches; no statement here uses NOT IN with a list.
        SqlMapper.Settings.PadListExpansions = true;

        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section));
        services.AddOptions<DatabaseOptions>()
            .Bind(configuration.GetSection(DatabaseOptions.Section))
            .Configure<IOptions<StorageOptions>, IHostEnvironment>((o, storage, environment) =>
            {
                o.ConnectionString = configuration.GetConnectionString("Orders") is { Length: > 0 } configured
                    ? configured
                    : o.Provider == DatabaseProvider.Sqlite ? $"Data Source={Path.Combine(DataDirectory.Resolve(storage.Value, environment), "orders.db")}" : "";
            })
            // A database server has no default: the service would otherwise migrate and serve
            // whatever the connection string's defaults reach.
            .Validate(o => o.Provider == DatabaseProvider.Sqlite || o.ConnectionString.Length > 0,
                "ConnectionStrings:Orders must be set when Database:Provider is SqlServer or PostgreSql (a SqlClient or Npgsql connection string)")
            .Validate(o => o.Provider != DatabaseProvider.PostgreSql || o.ConnectionString.Length == 0 || IsNpgsqlConnectionString(o.ConnectionString),
                "ConnectionStrings:Orders is not an Npgsql connection string (Host=…;Database=…;Username=…;Password=…) for Database:Provider=PostgreSql")
            // Every path that opens the SQLite file reads these options first (Db, Migrations, the
            // staff command), so the file exists owner-only before SQLite would create it.
            .PostConfigure(o =>
            {
                if (o.Provider == DatabaseProvider.Sqlite)
                {
                    OwnerOnlyFiles.PrepareSqliteDatabase(o.ConnectionString);
                }
            })
            .ValidateOnStart();
        services.AddSingleton<Db>();
        services.AddSingleton<WalCheckpointer>();
        services.AddHostedService(sp => sp.GetRequiredService<WalCheckpointer>());
        services.AddSingleton<Migrations>();
        services.AddStartupReport<DataDirectoryStartupReport>();
        services.AddStorageHealth();
        services.AddDatabaseKeyRing();
        return services;
    }

    // A file a feature keeps in the data directory (a generated secret), narrowed to owner-only at
    // start-up with the directory itself.
    private static bool IsNpgsqlConnectionString(string connectionString)
    {
        try
        {
            return new Npgsql.NpgsqlConnectionStringBuilder(connectionString) is { Host.Length: > 0, Database.Length: > 0 };
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public static IServiceCollection AddDataDirectoryFile(this IServiceCollection services, string fileName) =>
        services.AddSingleton(new DataDirectoryFile(fileName));

    // Runs before the service takes traffic or processes jobs: nothing may touch an old schema.
    public static WebApplication MigrateDatabase(this WebApplication app)
    {
        app.Services.GetRequiredService<Migrations>().Apply();
        return app;
    }
}

internal sealed record DataDirectoryFile(string FileName);

// Says where the embedded defaults keep their files.
internal sealed partial class DataDirectoryStartupReport(IOptions<StorageOptions> storage, IHostEnvironment environment, IEnumerable<DataDirectoryFile> files) : IStartupReportSection
{
    public void Report(ILogger logger)
    {
        var dataDirectory = DataDirectory.Resolve(storage.Value, environment);
        LogDataDirectory(logger, dataDirectory);

        // Installations from before the data folder was owner-only: narrowed here, once per start.
        if (OwnerOnlyFiles.NarrowExisting(dataDirectory, files.Select(f => f.FileName), "*.tmp") is > 0 and var narrowed)
        {
            LogNarrowed(logger, narrowed);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Data directory: {Path}")]
    private static partial void LogDataDirectory(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Made {Count} file(s) and folder(s) in the data directory readable by the service's user only")]
    private static partial void LogNarrowed(ILogger logger, int count);
}
