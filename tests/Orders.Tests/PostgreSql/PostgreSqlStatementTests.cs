using Dapper;
using System.Reflection;
using System.Text.RegularExpressions;
using Npgsql;
using Orders.Api.Data;
using Orders.Tests.Infrastructure;
using Orders.Tests.SqlServer;

namespace Orders.Tests.PostgreSql;

// Every statement the service can run on PostgreSQL, checked by PostgreSQL itself: each PostgreSQL
// variant of a Dialect and each common `const string ...Sql` is prepared (parsed, its names
// resolved against the migrated schema, its parameter types inferred) on a migrated database.
// Statements are found by the same convention as SqlServerSyntaxTests; a constant whose name
// names another database (…SqlServer…Sql) is that database's alone. The checks that need no
// cluster run everywhere.
public sealed partial class PostgreSqlStatementTests
{
    private static readonly Assembly Service = typeof(Db).Assembly;

    [Fact]
    public void EveryMigrationExistsForEveryDatabase()
    {
        string[] Scripts(string folder) =>
            [.. Directory.GetFiles(Path.Combine(SqlServerSyntaxTests.RepositoryRoot(), "sql", folder), "*.sql").Select(f => Path.GetFileName(f)).Order()];

        var sqlite = Scripts("sqlite");
        Assert.Equal(sqlite, Scripts("sqlserver"));
        Assert.Equal(sqlite, Scripts("postgresql"));
    }

    [Fact]
    public void EveryDialectHasAVariantForEachDatabase()
    {
        var dialects = Dialects().ToList();
        Assert.True(dialects.Count >= 25, $"found only {dialects.Count} dialects; the convention scan is broken");
        foreach (var (name, dialect) in dialects)
        {
            Assert.False(string.IsNullOrWhiteSpace(dialect.Sqlite), $"{name} has no SQLite variant");
            Assert.False(string.IsNullOrWhiteSpace(dialect.SqlServer), $"{name} has no SQL Server variant");
            Assert.False(string.IsNullOrWhiteSpace(dialect.PostgreSql), $"{name} has no PostgreSQL variant");
            Assert.DoesNotMatch(SqlServerOnly(), dialect.PostgreSql);
        }
    }

    [Fact]
    public async Task AnEmptyListMatchesNothingAndNotInAnEmptyListMatchesEverything()
    {
        if (DatabaseUnderTest.PostgreSqlServer is null)
        {
            Assert.Skip($"{DatabaseUnderTest.PostgreSqlVariable} is not set: no PostgreSQL cluster to run the statements on.");
        }

        var database = PostgreSqlDatabases.Empty();
        try
        {
            PostgreSqlDatabases.Migrate(database.ConnectionString);
            await using var npgsql = new NpgsqlConnection(database.ConnectionString);
            await npgsql.OpenAsync();
            await using var connection = new PostgreSqlConnection(npgsql);
            await connection.ExecuteAsync("CREATE TEMPORARY TABLE numbers (id bigint NOT NULL, name text NOT NULL)");
            await connection.ExecuteAsync("INSERT INTO numbers (id, name) VALUES (1, 'one'), (2, 'two')");
            long[] none = [];
            string[] noNames = [];

            Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM numbers WHERE id IN @Ids", new { Ids = none }));
            Assert.Equal(2, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM numbers WHERE id NOT IN @Ids", new { Ids = none }));
            Assert.Equal(0, await connection.ExecuteAsync("UPDATE numbers SET name = 'x' WHERE name IN @Names AND id > @Min", new { Names = noNames, Min = 0 }));
            long[] two = [2];
            Assert.Equal([2L], await connection.QueryAsync<long>("SELECT id FROM numbers WHERE id IN @Ids", new { Ids = two }));
        }
        finally
        {
            await database.DropAsync();
        }
    }

    [Fact]
    public async Task EveryStatementTheServiceRunsPreparesOnPostgreSql()
    {
        if (DatabaseUnderTest.PostgreSqlServer is null)
        {
            Assert.Skip($"{DatabaseUnderTest.PostgreSqlVariable} is not set: no PostgreSQL cluster to prepare the statements on.");
        }

        var statements = Statements().ToList();
        Assert.True(statements.Count >= 100, $"found only {statements.Count} statements; the convention scan is broken");
        var database = PostgreSqlDatabases.Empty();
        try
        {
            PostgreSqlDatabases.Migrate(database.ConnectionString);
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            var failures = new List<string>();
            foreach (var (name, sql) in statements)
            {
                if (await PrepareAsync(connection, sql) is { } error)
                {
                    failures.Add($"{name}: {error}\n{sql}");
                }
            }

            Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await database.DropAsync();
        }
    }

    // PREPARE with the parameters as $1, $2, … (Dapper's list expansion as a one-element list);
    // a statement without parameters, which PREPARE cannot take when it is several statements,
    // is run in a transaction that is rolled back. The service sends every parameter typed (text,
    // bigint, timestamptz); PREPARE infers them instead, and where one parameter is used in two
    // places (varchar and text) inference gives up: that parameter is then declared text, as
    // Npgsql sends a string, and it tries again.
    private static async Task<string?> PrepareAsync(NpgsqlConnection connection, string sql)
    {
        var text = new HashSet<int>();
        while (true)
        {
            var error = await PrepareAsync(connection, sql, text);
            if (error is null || !error.StartsWith("42P08", StringComparison.Ordinal) || ParameterNumber().Match(error) is not { Success: true } m
                || !text.Add(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)))
            {
                return error;
            }
        }
    }

    private static async Task<string?> PrepareAsync(NpgsqlConnection connection, string sql, HashSet<int> text)
    {
        var names = new List<string>();
        string Number(string name)
        {
            var index = names.IndexOf(name);
            if (index < 0)
            {
                names.Add(name);
                index = names.Count - 1;
            }

            return "$" + (index + 1);
        }

        var numbered = Parameter().Replace(DapperList().Replace(sql, m => $"IN ({Number(m.Groups[1].Value)})"), m => Number(m.Groups[1].Value));
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var types = text.Count > 0 ? $"({string.Join(", ", names.Select((_, i) => text.Contains(i + 1) ? "text" : "unknown"))})" : "";
        command.CommandText = names.Count == 0 ? numbered : $"PREPARE orders_statement {types} AS {numbered}";
        try
        {
            await command.ExecuteNonQueryAsync();
            if (names.Count > 0)
            {
                command.CommandText = "DEALLOCATE orders_statement";
                await command.ExecuteNonQueryAsync();
            }

            return null;
        }
        catch (PostgresException e)
        {
            return $"{e.SqlState} {e.MessageText}";
        }
        finally
        {
            await transaction.RollbackAsync();
        }
    }

    private static IEnumerable<(string Name, Dialect Dialect)> Dialects()
    {
        const BindingFlags all = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        foreach (var type in Service.GetTypes())
        {
            foreach (var field in type.GetFields(all))
            {
                if (field.FieldType == typeof(Dialect) && field.GetValue(null) is Dialect dialect)
                {
                    yield return ($"{type.Name}.{field.Name}", dialect);
                }
            }
        }
    }

    private static IEnumerable<(string Name, string Sql)> Statements()
    {
        const BindingFlags all = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        foreach (var type in Service.GetTypes())
        {
            foreach (var field in type.GetFields(all))
            {
                if (field.IsLiteral && field.FieldType == typeof(string) && field.Name.EndsWith("Sql", StringComparison.Ordinal)
                    && !field.Name.Contains("SqlServer", StringComparison.Ordinal) && !field.Name.Contains("Sqlite", StringComparison.Ordinal))
                {
                    yield return ($"{type.Name}.{field.Name}", (string)field.GetRawConstantValue()!);
                }
            }
        }

        foreach (var (name, dialect) in Dialects())
        {
            yield return ($"{name} (PostgreSQL)", dialect.PostgreSql);
        }
    }

    [GeneratedRegex(@"\bIN\s+@(\w+)", RegexOptions.IgnoreCase)]
    private static partial Regex DapperList();

    [GeneratedRegex(@"parameter \$(\d+)")]
    private static partial Regex ParameterNumber();

    [GeneratedRegex(@"(?<![@\w])@(\w+)")]
    private static partial Regex Parameter();

    // T-SQL that must not end up in a PostgreSQL variant.
    [GeneratedRegex(@"WITH \((UPDLOCK|HOLDLOCK|ROWLOCK|READPAST)|OUTPUT INSERTED|\bTOP \(|CONCAT\(|SYSUTCDATETIME|\bzeroblob\b")]
    private static partial Regex SqlServerOnly();
}
