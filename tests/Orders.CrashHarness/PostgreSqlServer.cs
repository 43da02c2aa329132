using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Orders.CrashHarness;

// A PostgreSQL server for one run: the one a connection string names, or a throwaway cluster
// (initdb into a temporary folder, run as the `postgres` user when the caller is root, on a free
// loopback port, stopped and deleted at the end; never the machine's own cluster). Every run gets
// a fresh database of its own; on a given server it is dropped at the end.
public sealed class PostgreSqlServer : IAsyncDisposable
{
    // Instances with a connection pool each, plus Hangfire's connections: more than the default 100.
    private const int MaxConnections = 400;

    private readonly string? clusterDirectory;
    private readonly string? binDirectory;
    private readonly List<string> databases = [];
    private int stopped;

    private PostgreSqlServer(string adminConnectionString, string? clusterDirectory, string? binDirectory)
    {
        AdminConnectionString = adminConnectionString;
        this.clusterDirectory = clusterDirectory;
        this.binDirectory = binDirectory;
    }

    // A connection string for the server's `postgres` database, as a role that may create databases.
    public string AdminConnectionString { get; }

    public bool IsThrowaway => clusterDirectory is not null;

    // The server a connection string names, or a new throwaway cluster when it is null or empty.
    public static async Task<PostgreSqlServer> StartAsync(string? connectionString, Action<string>? progress, CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            var given = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres" };
            return new PostgreSqlServer(given.ConnectionString, null, null);
        }

        var bin = BinDirectory();
        var directory = Directory.CreateTempSubdirectory("orders-postgresql-").FullName;
        var asPostgres = Environment.UserName == "root";
        try
        {
            if (asPostgres)
            {
                // initdb refuses to run as root; the cluster belongs to the postgres user.
                await RunAsync("chown", ["postgres:postgres", directory], asPostgres: false, ct);
            }

            var data = Path.Combine(directory, "data");
            await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-instructions"], asPostgres, ct);
            var port = FreePort();
            var settings = string.Create(CultureInfo.InvariantCulture,
                $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c max_connections={MaxConnections} -c shared_buffers=256MB");
            await RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", data, "-l", Path.Combine(directory, "server.log"), "-o", settings, "-w", "-t", "60", "start"], asPostgres, ct);
            progress?.Invoke($"throwaway PostgreSQL cluster in {data} on port {port}");
            var admin = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "postgres", Database = "postgres" };
            var server = new PostgreSqlServer(admin.ConnectionString, directory, bin);
            // A runner stopped by a signal skips its finally blocks; the cluster must not outlive it.
            AppDomain.CurrentDomain.ProcessExit += (_, _) => server.StopCluster();
            return server;
        }
        catch
        {
            TryDelete(directory);
            throw;
        }
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

        // Immediate: nothing in a throwaway cluster is worth a checkpoint.
        try
        {
            RunAsync(Path.Combine(binDirectory!, "pg_ctl"), ["-D", Path.Combine(clusterDirectory, "data"), "-m", "immediate", "-w", "stop"],
                Environment.UserName == "root", CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        TryDelete(clusterDirectory);
    }

    // ORDERS_POSTGRESQL_BIN, else the newest /usr/lib/postgresql/<version>/bin (Debian's layout).
    private static string BinDirectory()
    {
        if (Environment.GetEnvironmentVariable("ORDERS_POSTGRESQL_BIN") is { Length: > 0 } configured)
        {
            return configured;
        }

        var installed = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Dir: d, Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0))
                .Where(d => File.Exists(Path.Combine(d.Dir, "bin", "initdb")))
                .OrderByDescending(d => d.Version)
                .Select(d => Path.Combine(d.Dir, "bin"))
                .FirstOrDefault()
            : null;
        return installed ?? throw new InvalidOperationException(
            "No PostgreSQL binaries in /usr/lib/postgresql/<version>/bin (apt-get install postgresql); set ORDERS_POSTGRESQL_BIN or give a connection string.");
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, bool asPostgres, CancellationToken ct)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (asPostgres)
        {
            foreach (var argument in new[] { "-u", "postgres", "--", program })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        // pg_ctl start leaves the server holding its output pipes: read only until pg_ctl itself exits.
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{await output}\n{await errors}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
