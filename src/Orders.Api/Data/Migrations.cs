using DbUp;
using DbUp.Engine.Output;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Orders.Api.Data;

// Applies the numbered scripts under /sql (embedded into this assembly) before the service takes traffic.
internal sealed partial class Migrations(IOptions<DatabaseOptions> options, ILogger<Migrations> logger)
{
    public void Apply()
    {
        var connectionString = options.Value.ConnectionString;
        EnableWriteAheadLog(connectionString);

        var upgrader = DeployChanges.To
            .SqliteDatabase(connectionString)
            .WithScriptsEmbeddedInAssembly(typeof(Migrations).Assembly, name => name.Contains(".Migrations.sqlite.", StringComparison.Ordinal))
            .WithTransactionPerScript()
            .LogTo(new DbUpLog(logger))
            .Build();

        var result = upgrader.PerformUpgrade();
        if (!result.Successful)
        {
            throw new InvalidOperationException(
                $"Database migration failed in script '{result.ErrorScript?.Name}'. Check ConnectionStrings:Orders and the file's permissions.",
                result.Error);
        }
    }

    // WAL is a property of the database file, so it is set once here rather than per connection.
    private static void EnableWriteAheadLog(string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL;";
        command.ExecuteNonQuery();
    }

    private sealed partial class DbUpLog(ILogger logger) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) { }

        public void LogDebug(string format, params object[] args) { }

        public void LogInformation(string format, params object[] args) => LogMigration(logger, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));

        public void LogWarning(string format, params object[] args) => LogMigrationWarning(logger, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));

        public void LogError(string format, params object[] args) => LogMigrationError(logger, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));

        public void LogError(Exception ex, string format, params object[] args) => LogMigrationError(logger, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Migrations: {Message}")]
    private static partial void LogMigration(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Migrations: {Message}")]
    private static partial void LogMigrationWarning(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "Migrations: {Message}")]
    private static partial void LogMigrationError(ILogger logger, string message);
}
