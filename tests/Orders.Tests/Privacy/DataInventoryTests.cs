using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using Orders.Tests.Infrastructure;
using Orders.Tests.SqlServer;

namespace Orders.Tests.Privacy;

// PRIVACY.md lists every table and column the service stores, and why. These tests read the
// schema the migrations really create — SQLite by running them, SQL Server by parsing its scripts —
// so nobody adds a field without saying why, and the inventory never lists a field that is gone.
public sealed partial class DataInventoryTests
{
    private const string TablesSql = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";

    [Fact]
    public async Task EverySqliteColumnIsInTheInventory()
    {
        var missing = (await SqliteColumnsAsync()).Where(c => !Inventory().Contains(c)).ToList();
        Assert.True(missing.Count == 0, $"Columns not listed in PRIVACY.md (say what they hold, why, who sees them, how long): {string.Join(", ", missing)}");
    }

    [Fact]
    public void EverySqlServerColumnIsInTheInventory()
    {
        var columns = SqlServerColumns();
        Assert.Contains("orders.email", columns);
        Assert.Contains("orders.email_lower", columns); // computed columns count too
        var missing = columns.Where(c => !Inventory().Contains(c)).ToList();
        Assert.True(missing.Count == 0, $"Columns not listed in PRIVACY.md: {string.Join(", ", missing)}");
    }

    [Fact]
    public async Task TheInventoryListsNothingThatIsNotThere()
    {
        var real = (await SqliteColumnsAsync()).Concat(SqlServerColumns()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var stale = Inventory().Where(c => !real.Contains(c)).ToList();
        Assert.True(stale.Count == 0, $"PRIVACY.md lists columns no migration creates: {string.Join(", ", stale)}");
    }

    [Fact]
    public void TheInventoryParserSeesEveryTable()
    {
        var tables = Inventory().Select(c => c.Split('.')[0]).Distinct().ToList();
        Assert.Contains("orders", tables);
        Assert.Contains("privacy_notice_recipients", tables);
        Assert.True(Inventory().Count > 80, $"only {Inventory().Count} columns parsed from PRIVACY.md");
    }

    [Fact]
    public async Task NoColumnIsNamedLikeAnIpAddress()
    {
        var suspicious = (await SqliteColumnsAsync()).Concat(SqlServerColumns())
            .Where(c => IpLikeName().IsMatch(c.Split('.')[1]))
            .ToList();
        Assert.Empty(suspicious);
    }

    private static async Task<HashSet<string>> SqliteColumnsAsync()
    {
        await using var app = new OrdersApp();
        _ = app.Services; // starts the host: the migrations run
        app.Service<Orders.Api.Data.Db>();
        await using var connection = new SqliteConnection($"Data Source={app.DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        var columns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var table in await connection.QueryAsync<string>(TablesSql))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA table_xinfo(\"{table}\")";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                columns.Add($"{table}.{reader.GetString(1)}");
            }
        }

        return columns;
    }

    private static HashSet<string> SqlServerColumns()
    {
        var columns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        foreach (var script in Directory.GetFiles(Path.Combine(SqlServerSyntaxTests.RepositoryRoot(), "sql", "sqlserver"), "*.sql").Order())
        {
            using var reader = new StringReader(File.ReadAllText(script));
            var tree = parser.Parse(reader, out var errors);
            Assert.Empty(errors);
            var visitor = new ColumnCollector();
            tree.Accept(visitor);
            columns.UnionWith(visitor.Columns);
        }

        return columns;
    }

    // "### `table`" starts a table's section; in it, each row's first cell names one or more columns.
    private static HashSet<string> Inventory()
    {
        var columns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string? table = null;
        foreach (var line in File.ReadAllLines(Path.Combine(SqlServerSyntaxTests.RepositoryRoot(), "PRIVACY.md")))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                table = null;
            }
            else if (TableHeading().Match(line) is { Success: true } heading)
            {
                table = heading.Groups[1].Value;
            }
            else if (table is not null && line.StartsWith("| `", StringComparison.Ordinal))
            {
                var firstCell = line.Split('|')[1];
                foreach (Match name in Backticked().Matches(firstCell))
                {
                    columns.Add($"{table}.{name.Groups[1].Value}");
                }
            }
        }

        return columns;
    }

    private sealed class ColumnCollector : TSqlFragmentVisitor
    {
        public HashSet<string> Columns { get; } = new(StringComparer.OrdinalIgnoreCase);

        public override void Visit(CreateTableStatement node)
        {
            foreach (var column in node.Definition.ColumnDefinitions)
            {
                Columns.Add($"{node.SchemaObjectName.BaseIdentifier.Value}.{column.ColumnIdentifier.Value}");
            }
        }

        public override void Visit(AlterTableAddTableElementStatement node)
        {
            foreach (var column in node.Definition.ColumnDefinitions)
            {
                Columns.Add($"{node.SchemaObjectName.BaseIdentifier.Value}.{column.ColumnIdentifier.Value}");
            }
        }
    }

    [GeneratedRegex(@"^### `([A-Za-z_]+)`")]
    private static partial Regex TableHeading();

    [GeneratedRegex(@"`([A-Za-z_][A-Za-z0-9_]*)`")]
    private static partial Regex Backticked();

    [GeneratedRegex(@"(^|_)(ip|ip_?address|remote_?addr|client_?address|user_?agent)($|_)", RegexOptions.IgnoreCase)]
    private static partial Regex IpLikeName();
}
