using System.Net;
using Dapper;
using Npgsql;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.PostgreSql;

// Production runs several instances on one database, and a deployment starts them together: on an
// empty PostgreSQL database they take turns under the migration lock, so every script runs once,
// and all of them come up ready.
public sealed class StartTogetherTests
{
    [Fact]
    public async Task ThreeInstancesStartedTogetherOnAnEmptyDatabaseMigrateOnceAndAllComeUpReady()
    {
        if (DatabaseUnderTest.PostgreSqlServer is null)
        {
            Assert.Skip($"{DatabaseUnderTest.PostgreSqlVariable} is not set: no PostgreSQL cluster to start the instances on.");
        }

        var database = PostgreSqlDatabases.Empty();
        var apps = Enumerable.Range(0, 3).Select(_ => new OrdersApp(settings: new()
        {
            ["Database:Provider"] = "PostgreSql",
            ["ConnectionStrings:Orders"] = database.ConnectionString,
        })).ToList();
        try
        {
            using var go = new Barrier(apps.Count);
            await Task.WhenAll(apps.Select(app => Task.Run(() =>
            {
                go.SignalAndWait();
                _ = app.ServerAddress;
            })));

            foreach (var app in apps)
            {
                using var http = app.Http();
                using var ready = await http.GetAsync("/health/ready");
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            }

            var scripts = Directory.GetFiles(Path.Combine(SqlServer.SqlServerSyntaxTests.RepositoryRoot(), "sql", "postgresql"), "*.sql").Length;
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            var journal = (await connection.QueryAsync<(string Script, long Runs)>("SELECT scriptname, COUNT(*) FROM schemaversions GROUP BY scriptname")).ToList();
            Assert.Equal(scripts, journal.Count);
            Assert.All(journal, j => Assert.Equal(1, j.Runs));

            // The migration log across the three: every script applied by one of them, once, no errors.
            var lines = apps.SelectMany(a => a.Logs.Lines).ToList();
            var applied = lines.Select(l => System.Text.RegularExpressions.Regex.Match(l, @"Applied (\d+) database migration"))
                .Where(m => m.Success).Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(scripts, applied);
            Assert.DoesNotContain(lines, l => l.Contains("Migrations: ", StringComparison.Ordinal)
                && (l.StartsWith("Error", StringComparison.Ordinal) || l.Contains("already exists", StringComparison.Ordinal)));
        }
        finally
        {
            foreach (var app in apps)
            {
                await app.DisposeAsync();
            }

            await database.DropAsync();
        }
    }
}
