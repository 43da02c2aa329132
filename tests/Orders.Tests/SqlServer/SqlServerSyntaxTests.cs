using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using Orders.Api.Data;

namespace Orders.Tests.SqlServer;

// No SQL Server runs on this machine, so its dialect is checked with SQL Server's own parser:
// every migration script, every SQL Server variant of a statement, and every statement in the
// common subset. The statements are found by convention (const string fields named *Sql and
// Dialect fields; a constant whose name names another database, …PostgreSql…Sql, is that
// database's alone), and a source scan fails if SQL is written anywhere else. That every migration
// and every Dialect exists for each database is checked in PostgreSql/PostgreSqlStatementTests.
public sealed partial class SqlServerSyntaxTests
{
    private static readonly Assembly Service = typeof(Db).Assembly;

    public static TheoryData<string> MigrationScripts() =>
        [.. Directory.GetFiles(Path.Combine(RepositoryRoot(), "sql", "sqlserver"), "*.sql").Select(f => Path.GetFileName(f)).Order()];

    [Theory]
    [MemberData(nameof(MigrationScripts))]
    public void SqlServerMigrationParses(string script)
    {
        AssertParses(File.ReadAllText(Path.Combine(RepositoryRoot(), "sql", "sqlserver", script)), script);
    }

    [Fact]
    public void EveryStatementTheServiceRunsParsesAsTSql()
    {
        var statements = FindStatements().ToList();
        Assert.True(statements.Count >= 25, $"found only {statements.Count} statements; the convention scan is broken");
        foreach (var (name, sql) in statements)
        {
            AssertParses(sql, name);
        }
    }

    [Fact]
    public void SqlLivesOnlyInNamedStatementFields()
    {
        var offenders = new List<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryRoot(), "src", "Orders.Api"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }

            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                // SQL passed straight into a Dapper call or a command instead of a named field.
                if (InlineSql().IsMatch(lines[i]))
                {
                    offenders.Add($"{Path.GetFileName(file)}:{i + 1}: {lines[i].Trim()}");
                }
            }
        }

        Assert.Empty(offenders);
    }

    private static IEnumerable<(string Name, string Sql)> FindStatements()
    {
        const BindingFlags all = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        foreach (var type in Service.GetTypes())
        {
            foreach (var field in type.GetFields(all))
            {
                if (field.IsLiteral && field.FieldType == typeof(string) && field.Name.EndsWith("Sql", StringComparison.Ordinal)
                    && !field.Name.Contains("PostgreSql", StringComparison.Ordinal))
                {
                    yield return ($"{type.Name}.{field.Name}", (string)field.GetRawConstantValue()!);
                }
                else if (field.FieldType == typeof(Dialect) && field.GetValue(null) is Dialect dialect)
                {
                    yield return ($"{type.Name}.{field.Name} (SQL Server)", dialect.SqlServer);
                }
            }
        }
    }

    private static void AssertParses(string sql, string name)
    {
        // Dapper expands "IN @list" into "IN (@list1, @list2, …)" before the server sees it.
        var expanded = DapperList().Replace(sql, "IN (@$1)");
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        parser.Parse(new StringReader(expanded), out var errors);
        Assert.True(errors.Count == 0, $"{name} does not parse as T-SQL: {string.Join("; ", errors.Select(e => $"line {e.Line}: {e.Message}"))}\n{sql}");
    }

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Orders.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Orders.sln not found above the test binaries.");
    }

    [GeneratedRegex(@"\bIN\s+@(\w+)", RegexOptions.IgnoreCase)]
    private static partial Regex DapperList();

    [GeneratedRegex(@"(Query\w*|Execute\w*)(<[^>]+>)?\(\s*(new CommandDefinition\(\s*)?\$?@?""|CommandText\s*=\s*\$?@?""(?!PRAGMA)")]
    private static partial Regex InlineSql();
}
