using System.Diagnostics;
using Npgsql;

namespace Orders.CrashHarness;

// A PostgreSQL server for one run: the one a connection string names, or a throwaway cluster
// started with tests/postgres-cluster.sh (the one CI uses: initdb into a temporary folder, run as
// the `postgres` user, a free loopback port; stopped and deleted at the end, never the machine's
// own cluster). Every run gets a fresh database of its own; on a given server it is dropped at the end.
public sealed class PostgreSqlServer : IAsyncDisposable
{
    private readonly string? clusterDirectory;
    private readonly string? script;
    private readonly List<string> databases = [];
    private int stopped;

    private PostgreSqlServer(string adminConnectionString, string? clusterDirectory, string? script)
    {
        AdminConnectionString = adminConnectionString;
        this.clusterDirectory = clusterDirectory;
        this.script = script;
    }

    // A connection string for the server's `postgres` database, as a role that may create databases.
    public string AdminConnectionString { get; }

    public bool IsThrowaway => clusterDirectory is not null;

    // The server a connection string names, or a new throwaway cluster when it is null or empty.
    public static async Task<PostgreSqlServer> StartAsync(string? connectionString, Action<string>? progress, CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new PostgreSqlServer(new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres" }.ConnectionString, null, null);
        }

        var script = Script();
        var exports = await RunAsync(script, ["start"], ct);
        string? Export(string name) => exports.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.StartsWith($"export {name}=", StringComparison.Ordinal))
            .Select(line => line[$"export {name}=".Length..].Trim('\''))
            .FirstOrDefault();
        var directory = Export("ORDERS_TEST_POSTGRESQL_DIR");
        var server = Export("ORDERS_TEST_POSTGRESQL");
        if (directory is null || server is null)
        {
            throw new InvalidOperationException($"{script} start printed no connection string:\n{exports}");
        }

        progress?.Invoke($"throwaway PostgreSQL cluster in {directory}: {server}");
        var started = new PostgreSqlServer(new NpgsqlConnectionStringBuilder(server) { Database = "postgres" }.ConnectionString, directory, script);
        // A runner stopped by a signal skips its finally blocks; the cluster must not outlive it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => started.StopCluster();
        return started;
    }

    // Creates an empty database and returns the connection string for it.
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken ct)
    {
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync(ct);
        }

        databases.Add(name);
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (clusterDirectory is not null)
        {
            StopCluster();
            return;
        }

        foreach (var name in databases)
        {
            try
            {
                await using var connection = new NpgsqlConnection(AdminConnectionString);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
                await command.ExecuteNonQueryAsync();
            }
            catch (NpgsqlException)
            {
                // A database left behind on somebody's server is not worth failing the run for.
            }
        }
    }

    private void StopCluster()
    {
        if (clusterDirectory is null || Interlocked.Exchange(ref stopped, 1) == 1)
        {
            return;
        }

        try
        {
            RunAsync(script!, ["stop", clusterDirectory], CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (InvalidOperationException)
        {
            // Already stopped; the script refuses folders it did not make.
        }
    }

    private static string Script()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "tests", "postgres-cluster.sh");
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidOperationException("Cannot find tests/postgres-cluster.sh above the program; give a PostgreSQL connection string instead.");
    }

    // Runs the script through bash and returns what it printed on standard output.
    private static async Task<string> RunAsync(string script, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {script}.");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(script)} {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{await output}\n{await errors}");
        }

        return await output;
    }
}
