using DbUp;
using DbUp.Engine;
using DbUp.Engine.Output;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Orders.Api.Data;

// Applies the numbered scripts under /sql/{provider} (embedded into this assembly) before the service
// takes traffic. On SQL Server and PostgreSQL several instances may start at once: an application
// lock (sp_getapplock, pg_advisory_lock) makes them take turns, so each script runs exactly once.
internal sealed partial class Migrations(IOptions<DatabaseOptions> options, ILogger<Migrations> logger)
{
    private const string SqlServerLockResource = "orders-schema-migrations";

    // SQL Server only (the other paths never run it).
    private const string AcquireSqlServerMigrationLockSql = """
        DECLARE @result int;
        EXEC @result = sp_getapplock @Resource = @resource, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 120000;
        SELECT @result;
        """;

    // PostgreSQL only. Advisory locks belong to one database, so every instance takes it in the
    // maintenance database `postgres`, keyed by the orders database's name.
    private const string AcquirePostgreSqlMigrationLockSql = "SELECT pg_advisory_lock(hashtextextended(@Resource, 0))";

    public void Apply()
    {
        var o = options.Value;
        if (o.Provider == DatabaseProvider.SqlServer)
        {
            ApplySqlServer(o.ConnectionString);
        }
        else if (o.Provider == DatabaseProvider.PostgreSql)
        {
            ApplyPostgreSql(o.ConnectionString);
        }
        else
        {
            ApplySqlite(o.ConnectionString);
        }
    }

    public IReadOnlyList<string> PendingScripts()
    {
        var o = options.Value;
        return [.. Upgrader(o).GetScriptsToExecute().Select(s => s.Name)];
    }

    private void ApplySqlite(string connectionString)
    {
        // A configured file may live in a folder nobody created yet.
        var file = new SqliteConnectionStringBuilder(connectionString).DataSource;
        if (!string.IsNullOrEmpty(file) && file != ":memory:" && Path.GetDirectoryName(Path.GetFullPath(file)) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        // WAL is a property of the database file, so it is set once here rather than per connection.
        using (var connection = new SqliteConnection(connectionString))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode = WAL;";
            command.ExecuteNonQuery();
        }

        Run(Upgrader(options.Value));
    }

    private void ApplySqlServer(string connectionString)
    {
        // The lock is taken in master, before the database exists, so two instances starting
        // together neither race to create it nor run a script twice. It is held on its own
        // connection for the whole upgrade and released when that connection closes, even if this
        // process dies.
        using var lockConnection = new SqlConnection(new SqlConnectionStringBuilder(connectionString) { InitialCatalog = "master" }.ConnectionString);
        lockConnection.Open();
        using (var acquire = lockConnection.CreateCommand())
        {
            acquire.CommandText = AcquireSqlServerMigrationLockSql;
            acquire.Parameters.AddWithValue("@resource", SqlServerLockResource);
            acquire.CommandTimeout = 130;
            var result = Convert.ToInt32(acquire.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            if (result < 0)
            {
                throw new InvalidOperationException($"Could not take the schema migration lock (sp_getapplock returned {result}); another instance may be stuck migrating.");
            }
        }

        EnsureDatabase.For.SqlDatabase(connectionString, new DbUpLog(logger));
        Run(Upgrader(options.Value));
    }

    private void ApplyPostgreSql(string connectionString)
    {
        // As on SQL Server: the lock is taken before the database exists, on its own connection
        // held for the whole upgrade; the server releases it when that connection ends, even if
        // this process dies. lock_timeout bounds the wait like sp_getapplock's @LockTimeout.
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var maintenance = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false, Options = "-c lock_timeout=120s", CommandTimeout = 130 };
        using var lockConnection = new NpgsqlConnection(maintenance.ConnectionString);
        lockConnection.Open();
        using (var acquire = lockConnection.CreateCommand())
        {
            acquire.CommandText = AcquirePostgreSqlMigrationLockSql;
            acquire.Parameters.AddWithValue("Resource", "orders-schema-migrations:" + target.Database);
            acquire.ExecuteNonQuery();
        }

        EnsureDatabase.For.PostgresqlDatabase(connectionString, new DbUpLog(logger));
        Run(Upgrader(options.Value));
    }

    private UpgradeEngine Upgrader(DatabaseOptions o)
    {
        var folder = o.Provider switch
        {
            DatabaseProvider.SqlServer => ".Migrations.sqlserver.",
            DatabaseProvider.PostgreSql => ".Migrations.postgresql.",
            _ => ".Migrations.sqlite.",
        };
        var builder = o.Provider switch
        {
            DatabaseProvider.SqlServer => DeployChanges.To.SqlDatabase(o.ConnectionString),
            DatabaseProvider.PostgreSql => DeployChanges.To.PostgresqlDatabase(o.ConnectionString),
            _ => DeployChanges.To.SqliteDatabase(o.ConnectionString),
        };
        return builder
            .WithScriptsEmbeddedInAssembly(typeof(Migrations).Assembly, name => name.Contains(folder, StringComparison.Ordinal))
            .WithTransactionPerScript()
            .LogTo(new DbUpLog(logger))
            .Build();
    }

    private static void Run(UpgradeEngine upgrader)
    {
        var result = upgrader.PerformUpgrade();
        if (!result.Successful)
        {
            throw new InvalidOperationException(
                $"Database migration failed in script '{result.ErrorScript?.Name}'. Check ConnectionStrings:Orders and the database's permissions.",
                result.Error);
        }
    }

    private sealed partial class DbUpLog(ILogger logger) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) { }

        public void LogDebug(string format, params object[] args) { }

        public void LogInformation(string format, params object[] args) => LogMigration(logger, Format(format, args));

        public void LogWarning(string format, params object[] args) => LogMigrationWarning(logger, Format(format, args));

        public void LogError(string format, params object[] args) => LogMigrationError(logger, Format(format, args));

        public void LogError(Exception ex, string format, params object[] args) => LogMigrationError(logger, Format(format, args));

        // DbUp reports the connection string it uses; connection strings can hold passwords.
        private static string Format(string format, object[] args)
        {
            var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args);
            return text.Contains("ConnectionString", StringComparison.OrdinalIgnoreCase) || text.Contains("Password", StringComparison.OrdinalIgnoreCase)
                ? "(connection details not logged)"
                : text;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Migrations: {Message}")]
    private static partial void LogMigration(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Migrations: {Message}")]
    private static partial void LogMigrationWarning(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "Migrations: {Message}")]
    private static partial void LogMigrationError(ILogger logger, string message);
}
