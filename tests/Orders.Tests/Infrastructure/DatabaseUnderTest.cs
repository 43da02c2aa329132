using System.Reflection;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orders.Api.Data;

namespace Orders.Tests.Infrastructure;

public enum TestDatabaseKind
{
    Sqlite,
    PostgreSql,
    SqlServer,
}

// Which database this test assembly runs its services on. Orders.Tests runs on SQLite; the
// projects tests/Orders.Tests.PostgreSql and tests/Orders.Tests.SqlServer compile the same
// per-database test classes with this attribute set, so one class runs on every database.
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class DatabaseUnderTestAttribute(TestDatabaseKind kind) : Attribute
{
    public TestDatabaseKind Kind { get; } = kind;
}

// The database under test: SQLite files need nothing; on a server each service gets a fresh
// database of its own, copied from a migrated template (PostgreSQL) or migrated by the service
// itself (SQL Server), and dropped when the service is disposed.
public static class DatabaseUnderTest
{
    public const string PostgreSqlVariable = "ORDERS_TEST_POSTGRESQL";
    public const string SqlServerVariable = "ORDERS_TEST_SQLSERVER";

    public static TestDatabaseKind Kind { get; } =
        typeof(DatabaseUnderTest).Assembly.GetCustomAttribute<DatabaseUnderTestAttribute>()?.Kind ?? TestDatabaseKind.Sqlite;

    public static string? PostgreSqlServer => Variable(PostgreSqlVariable);

    public static string? SqlServerServer => Variable(SqlServerVariable);

    // Why the tests of this assembly cannot run here, or null.
    public static string? SkipReason => Kind switch
    {
        TestDatabaseKind.PostgreSql when PostgreSqlServer is null =>
            $"{PostgreSqlVariable} is not set: no PostgreSQL cluster was given. `eval \"$(tests/postgres-cluster.sh start)\"` starts a throwaway one (.ci/run does).",
        TestDatabaseKind.SqlServer when SqlServerServer is null =>
            $"{SqlServerVariable} is not set: there is no SQL Server on this machine. Set it to a SQL Server connection string (a login that may create databases).",
        _ => null,
    };

    // The settings that point a service at a new database of its own (none on SQLite), and how to
    // drop that database afterwards.
    internal static ServerDatabase? Create()
    {
        if (SkipReason is { } reason)
        {
            Assert.Skip(reason);
        }

        return Kind switch
        {
            TestDatabaseKind.PostgreSql => PostgreSqlDatabases.Create(),
            TestDatabaseKind.SqlServer => SqlServerDatabases.Create(),
            _ => null,
        };
    }

    private static string? Variable(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}

internal sealed class ServerDatabase(string provider, string connectionString, Func<Task> drop)
{
    public string Provider { get; } = provider;

    public string ConnectionString { get; } = connectionString;

    public Task DropAsync() => drop();
}

internal static class PostgreSqlDatabases
{
    // Migrated once per test run (orders schema and Hangfire's), then copied per service: a copy
    // takes a few milliseconds, the migrations a few hundred.
    private static readonly Lazy<string> Template = new(CreateTemplate, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Server => DatabaseUnderTest.PostgreSqlServer
        ?? throw new InvalidOperationException($"{DatabaseUnderTest.PostgreSqlVariable} is not set.");

    public static ServerDatabase Create()
    {
        var template = Template.Value;
        var name = "orders_test_" + Guid.NewGuid().ToString("N")[..16];
        Execute($"CREATE DATABASE {name} TEMPLATE {template}");
        return new ServerDatabase("PostgreSql", ConnectionString(name), () => DropAsync(name));
    }

    // An empty database that does not exist yet (the service creates and migrates it).
    public static ServerDatabase Empty()
    {
        var name = "orders_test_" + Guid.NewGuid().ToString("N")[..16];
        return new ServerDatabase("PostgreSql", ConnectionString(name), () => DropAsync(name));
    }

    public static string ConnectionString(string database, bool pooling = true) =>
        new NpgsqlConnectionStringBuilder(Server) { Database = database, Pooling = pooling }.ConnectionString;

    internal static void Migrate(string connectionString) =>
        new Migrations(Options.Create(new DatabaseOptions { Provider = DatabaseProvider.PostgreSql, ConnectionString = connectionString }), NullLogger<Migrations>.Instance).Apply();

    private static string CreateTemplate()
    {
        var name = $"orders_template_{Environment.ProcessId}_{Guid.NewGuid().ToString("N")[..8]}";
        // No pooling: a template must have no connections left when it is copied.
        var connectionString = ConnectionString(name, pooling: false);
        Migrate(connectionString);
        using (var connection = new NpgsqlConnection(connectionString))
        {
            connection.Open();
            Hangfire.PostgreSql.PostgreSqlObjectsInstaller.Install(connection, "hangfire");
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => Execute($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        return name;
    }

    private static async Task DropAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres", pooling: false));
        await connection.OpenAsync();
        await using var drop = connection.CreateCommand();
        drop.CommandText = $"DROP DATABASE IF EXISTS {name} WITH (FORCE)";
        await drop.ExecuteNonQueryAsync();
    }

    private static void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(ConnectionString("postgres", pooling: false));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

internal static class SqlServerDatabases
{
    public static ServerDatabase Create()
    {
        var server = DatabaseUnderTest.SqlServerServer!;
        var connectionString = new SqlConnectionStringBuilder(server) { InitialCatalog = "orders_test_" + Guid.NewGuid().ToString("N")[..12] }.ConnectionString;
        return new ServerDatabase("SqlServer", connectionString, () => DropAsync(connectionString));
    }

    private static async Task DropAsync(string connectionString)
    {
        var builder = new SqlConnectionStringBuilder(connectionString);
        var database = builder.InitialCatalog;
        builder.InitialCatalog = "master";
        await using var connection = new SqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var drop = connection.CreateCommand();
        drop.CommandText = $"IF DB_ID('{database}') IS NOT NULL BEGIN ALTER DATABASE [{database}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [{database}]; END";
        await drop.ExecuteNonQueryAsync();
    }
}
