using System.Globalization;

namespace Orders.CrashHarness;

public enum HarnessDatabase
{
    Sqlite,
    PostgreSql,
}

public sealed class HarnessOptions
{
#if DEBUG
    public const string BuildConfiguration = "Debug";
#else
    public const string BuildConfiguration = "Release";
#endif

    public int Purchases { get; set; } = 200;

    public int Kills { get; set; } = 3;

    // Service instances on one database, each with a Hangfire server, behind the harness's balancer.
    public int Instances { get; set; } = 1;

    public HarnessDatabase Database { get; set; } = HarnessDatabase.Sqlite;

    // A PostgreSQL server to create the run's database on (a role that may create databases);
    // null: the harness starts a throwaway cluster of its own.
    public string? PostgreSqlConnectionString { get; set; }

    // Customers buying at the same time.
    public int Concurrency { get; set; } = 8;

    public int Seed { get; set; } = Environment.TickCount & int.MaxValue;

    // Debug or Release: which build outputs of the service and the sandbox to run.
    public string Configuration { get; set; } = BuildConfiguration;

    // Default: src/Orders.Api/bin/{Configuration}/net10.0/Orders.Api.dll under the repository root.
    public string? ServiceDll { get; set; }

    // Default: src/Orders.Sandbox/bin/{Configuration}/net10.0/Orders.Sandbox.dll.
    public string? SandboxDll { get; set; }

    // Data directory, logs; a fresh temporary directory when not set.
    public string? WorkDirectory { get; set; }

    // Keep the work directory after a run without violations (it is always kept after one with).
    public bool KeepWorkDirectory { get; set; }

    // Share of purchases never approved at PayPal: they must end without a license.
    public double UnapprovedShare { get; set; } = 0.1;

    // Share of approved purchases whose customer comes back to the service (capture on return).
    public double ReturnShare { get; set; } = 0.5;

    // Share of customers who give up when their checkout got no answer (the service was down).
    public double GiveUpShare { get; set; } = 0.25;

    // After the last restart: how long the service may take to finish everything it owes.
    // An e-mail whose send was cut off by a kill is claimed for 5 minutes, then the recovery
    // sweep (every minute) finds it again, hence a bound above six minutes.
    public TimeSpan QuiescenceTimeout { get; set; } = TimeSpan.FromMinutes(8);

    // How long the service is left dead after a kill before it is restarted (random in this range).
    public TimeSpan MaxDowntime { get; set; } = TimeSpan.FromSeconds(1.5);

    // Extra configuration for the service and the sandbox (Key=Value as on their command lines).
    public IDictionary<string, string> ServiceSettings { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    public IDictionary<string, string> SandboxSettings { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    // Progress lines while running; null for none.
    public TextWriter? Progress { get; set; }

    public const string Usage = """
        Orders crash and outage survival harness

          dotnet run --project tests/Orders.CrashHarness -- [options]

          --purchases N          purchases to start (default 200)
          --kills N              SIGKILLs of an instance, each followed by its restart (default 3)
          --instances N          service instances on one database behind a round-robin balancer (default 1;
                                 more than one needs --database postgresql)
          --database D           sqlite (default) or postgresql
          --postgresql CONN      the PostgreSQL server to create the run's database on, e.g.
                                 "Host=127.0.0.1;Port=5432;Username=postgres" (implies --database postgresql;
                                 default: a throwaway cluster started with initdb)
          --concurrency N        customers buying at once (default 8)
          --seed N               seed for the purchase script and the kill schedule (default: random, printed)
          --configuration C      Debug or Release build of the service and sandbox (default: the harness's own)
          --service-dll PATH     Orders.Api.dll to run (default src/Orders.Api/bin/{C}/net10.0/Orders.Api.dll)
          --sandbox-dll PATH     Orders.Sandbox.dll to run (default src/Orders.Sandbox/bin/{C}/net10.0/Orders.Sandbox.dll)
          --work-dir PATH        data directory and logs (default: a new temporary directory)
          --keep                 keep the work directory even when the run passes
          --unapproved SHARE     share of purchases never approved (default 0.1)
          --return SHARE         share of approved purchases whose customer returns to the service (default 0.5)
          --give-up SHARE        share of customers who give up after an unanswered checkout (default 0.25)
          --quiescence-timeout S seconds to wait for the service to finish its work after the last restart (default 480)
          --service-setting K=V  extra configuration for the service, e.g. Jobs:WorkerCount=4 (repeatable)
          --sandbox-setting K=V  extra configuration for the sandbox, e.g. Sandbox:PayPal:DuplicateDeliveries=1 (repeatable)

        Exits 0 when every invariant holds, 1 on any violation, 2 on bad arguments.
        """;

    public static HarnessOptions Parse(IReadOnlyList<string> args)
    {
        var options = new HarnessOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string? inline = null;
            var equals = name.IndexOf('=', StringComparison.Ordinal);
            if (name.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                inline = name[(equals + 1)..];
                name = name[..equals];
            }

            string Value() => inline ?? (i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value."));
            switch (name)
            {
                case "--purchases": options.Purchases = Int(name, Value(), 1); break;
                case "--kills": options.Kills = Int(name, Value(), 0); break;
                case "--instances": options.Instances = Int(name, Value(), 1); break;
                case "--database": options.Database = DatabaseName(name, Value()); break;
                case "--postgresql":
                    options.PostgreSqlConnectionString = Value();
                    options.Database = HarnessDatabase.PostgreSql;
                    break;
                case "--concurrency": options.Concurrency = Int(name, Value(), 1); break;
                case "--seed": options.Seed = Int(name, Value(), 0); break;
                case "--configuration" or "-c": options.Configuration = Value(); break;
                case "--service-dll": options.ServiceDll = Value(); break;
                case "--sandbox-dll": options.SandboxDll = Value(); break;
                case "--work-dir": options.WorkDirectory = Value(); break;
                case "--keep": options.KeepWorkDirectory = true; break;
                case "--unapproved": options.UnapprovedShare = Share(name, Value()); break;
                case "--return": options.ReturnShare = Share(name, Value()); break;
                case "--give-up": options.GiveUpShare = Share(name, Value()); break;
                case "--quiescence-timeout": options.QuiescenceTimeout = TimeSpan.FromSeconds(Int(name, Value(), 1)); break;
                case "--service-setting": Setting(options.ServiceSettings, name, Value()); break;
                case "--sandbox-setting": Setting(options.SandboxSettings, name, Value()); break;
                default: throw new ArgumentException($"Unknown option {name}.");
            }
        }

        options.Validate();
        return options;
    }

    public void Validate()
    {
        // On SQLite every instance would release the others' e-mail claims at its start (a
        // single-instance shortcut), and SQLite is not meant to be shared by several servers.
        if (Instances > 1 && Database != HarnessDatabase.PostgreSql)
        {
            throw new ArgumentException("--instances above 1 needs a server database: add --database postgresql (or --postgresql CONN).");
        }
    }

    private static HarnessDatabase DatabaseName(string name, string value) => value.ToUpperInvariant() switch
    {
        "SQLITE" => HarnessDatabase.Sqlite,
        "POSTGRESQL" or "POSTGRES" => HarnessDatabase.PostgreSql,
        _ => throw new ArgumentException($"{name} takes sqlite or postgresql, not '{value}'."),
    };

    private static void Setting(IDictionary<string, string> settings, string name, string value)
    {
        var equals = value.IndexOf('=', StringComparison.Ordinal);
        if (equals < 1)
        {
            throw new ArgumentException($"{name} takes Key=Value, not '{value}'.");
        }

        settings[value[..equals]] = value[(equals + 1)..];
    }

    private static int Int(string name, string value, int min) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min
            ? n
            : throw new ArgumentException($"{name} takes a whole number of at least {min}, not '{value}'.");

    private static double Share(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d is >= 0 and <= 1
            ? d
            : throw new ArgumentException($"{name} takes a number from 0 to 1, not '{value}'.");
}
