using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orders.Api.Data;
using Orders.Api.Hosting;

namespace Orders.Api.Support;

// `dotnet run --project src/Orders.Api -- staff <command>`: manages staff accounts against the
// configured database (migrating it first) and exits, without starting the web server. Passwords
// come from ORDERS_STAFF_PASSWORD or standard input, never from an argument (arguments end up in
// shell history and process listings).
internal static class StaffCommand
{
    public const string PasswordVariable = "ORDERS_STAFF_PASSWORD";

    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;

    private const string Help = """
        Manage support staff accounts:

          staff add <username> --role admin|support   create an account (password from stdin or ORDERS_STAFF_PASSWORD)
          staff list                                  list accounts
          staff disable <username>                    disable an account and end its sessions
          staff enable <username>                     enable a disabled account
          staff reset-password <username>             set a new password, end its sessions

        The password is read from the ORDERS_STAFF_PASSWORD environment variable when it is set,
        otherwise from standard input (one line). It must be at least 12 characters long, must not
        contain the username, be one character repeated, or be on the shipped list of common passwords.
        Configuration (--Key=value, environment variables) is the service's: the command uses the
        same database the service would.
        """;

    public static bool IsInvoked(string[] args) => args.Length > 0 && args[0] == "staff";

    // Settings the service would refuse to start with are refused here too, as a result (exit 1)
    // rather than a crash.
    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        try
        {
            app.RefuseInvalidSettings();
        }
        catch (Exception e) when (e is OptionsValidationException or InvalidOperationException or AggregateException)
        {
            await Console.Error.WriteLineAsync($"The service's settings are not valid: {e.Message}");
            return Failed;
        }

        return await RunAsync(app.Services, args, Console.In, Console.Out, Console.Error, Environment.GetEnvironmentVariable(PasswordVariable), interactive: !Console.IsInputRedirected);
    }

    internal static async Task<int> RunAsync(IServiceProvider services, string[] args, TextReader input, TextWriter output, TextWriter error,
        string? passwordFromEnvironment, bool interactive)
    {
        var (words, role, problem) = Parse(args);
        if (problem is not null)
        {
            await error.WriteLineAsync(problem);
            await error.WriteLineAsync();
            await error.WriteLineAsync(Help);
            return Usage;
        }

        // Help asked for is the answer (stdout, 0); no command at all is a usage error (stderr, 2).
        var verb = words.Count > 1 ? words[1] : null;
        var username = words.Count > 2 ? words[2] : null;
        var expected = verb switch
        {
            "add" or "disable" or "enable" or "reset-password" => 3,
            "list" => 2,
            "help" or "--help" or "-h" => 0,
            _ => -1,
        };
        if (expected == 0)
        {
            await output.WriteLineAsync(Help);
            return Ok;
        }

        if (expected < 0 || words.Count != expected || (verb == "add") != (role is not null))
        {
            await error.WriteLineAsync(verb is null ? "Which staff command?"
                : expected < 0 ? $"Unknown staff command '{verb}'." : $"Wrong arguments for 'staff {verb}'.");
            await error.WriteLineAsync();
            await error.WriteLineAsync(Help);
            return Usage;
        }

        if (username is not null && StaffAccounts.UsernameProblem(username) is { } usernameProblem)
        {
            await error.WriteLineAsync(usernameProblem);
            return Usage;
        }

        if (role is not null && !StaffRoles.IsValid(role))
        {
            await error.WriteLineAsync($"The role must be 'admin' or 'support', not '{role}'.");
            return Usage;
        }

        try
        {
            // The service's own migrations, quietly: this command prints only its result.
            new Migrations(services.GetRequiredService<IOptions<DatabaseOptions>>(), NullLogger<Migrations>.Instance).Apply();
        }
        catch (Exception e) when (e is InvalidOperationException or System.Data.Common.DbException)
        {
            await error.WriteLineAsync($"Could not prepare the orders database: {e.Message}");
            return Failed;
        }

        var accounts = services.GetRequiredService<StaffAccounts>();
        var actor = Actor();
        var name = username is null ? "" : StaffAccounts.Normalize(username);
        switch (verb)
        {
            case "list":
                await WriteListAsync(await accounts.ListAsync(CancellationToken.None), output);
                return Ok;

            case "add":
            {
                var password = await ReadPasswordAsync(name, passwordFromEnvironment, input, error, interactive);
                if (password is null)
                {
                    return Failed;
                }

                var added = await accounts.AddAsync(name, role!, password, actor, CancellationToken.None);
                if (added == StaffChange.AlreadyExists)
                {
                    await error.WriteLineAsync($"A staff user named '{name}' already exists. Use 'staff reset-password {name}' to give it a new password.");
                    return Failed;
                }

                await output.WriteLineAsync($"Added {role} '{name}'. They can sign in at /support/sign-in.");
                return Ok;
            }

            case "disable":
            case "enable":
            {
                var changed = await accounts.SetDisabledAsync(name, disabled: verb == "disable", actor, CancellationToken.None);
                if (changed == StaffChange.NotFound)
                {
                    await error.WriteLineAsync($"There is no staff user named '{name}'.");
                    return Failed;
                }

                await output.WriteLineAsync(verb == "disable"
                    ? $"Disabled '{name}'. Their open sessions end with their next request."
                    : $"Enabled '{name}'.");
                return Ok;
            }

            default: // reset-password
            {
                if (await accounts.FindAsync(name, CancellationToken.None) is null)
                {
                    await error.WriteLineAsync($"There is no staff user named '{name}'.");
                    return Failed;
                }

                var password = await ReadPasswordAsync(name, passwordFromEnvironment, input, error, interactive);
                if (password is null)
                {
                    return Failed;
                }

                if (await accounts.ResetPasswordAsync(name, password, actor, CancellationToken.None) == StaffChange.NotFound)
                {
                    await error.WriteLineAsync($"There is no staff user named '{name}'.");
                    return Failed;
                }

                await output.WriteLineAsync($"New password set for '{name}'. Its sessions are signed out.");
                return Ok;
            }
        }
    }

    // The staff words and --role; the service's own configuration arguments (--Key=value,
    // --Section:Key value) are left to the configuration system.
    private static (List<string> Words, string? Role, string? Problem) Parse(string[] args)
    {
        var words = new List<string>();
        string? role = null;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--role")
            {
                if (i + 1 >= args.Length)
                {
                    return (words, role, "--role needs a value: admin or support.");
                }

                role = args[++i];
            }
            else if (arg.StartsWith("--role=", StringComparison.Ordinal))
            {
                role = arg["--role=".Length..];
            }
            else if (arg is "--password" or "-p" || arg.StartsWith("--password=", StringComparison.Ordinal))
            {
                return (words, role, $"Passwords are never taken from arguments: pipe the password on standard input or set {PasswordVariable}.");
            }
            else if (arg.StartsWith('-') && arg.Length > 1 && arg is not "-h" and not "--help")
            {
                // Configuration such as --Storage:DataDirectory=/srv/orders or --ConnectionStrings:Orders "…".
                if (!arg.Contains('=', StringComparison.Ordinal) && arg.Contains(':', StringComparison.Ordinal) && i + 1 < args.Length)
                {
                    i++;
                }
                else if (!arg.Contains('=', StringComparison.Ordinal) && !arg.Contains(':', StringComparison.Ordinal))
                {
                    return (words, role, $"Unknown option '{arg}'.");
                }
            }
            else
            {
                words.Add(arg);
            }
        }

        return (words, role, null);
    }

    private static async Task<string?> ReadPasswordAsync(string username, string? fromEnvironment, TextReader input, TextWriter error, bool interactive)
    {
        string? password;
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            password = fromEnvironment;
        }
        else if (interactive)
        {
            await error.WriteAsync($"Password for '{username}' (at least {StaffAccounts.MinPasswordLength} characters): ");
            password = ReadHidden();
            await error.WriteAsync("Repeat it: ");
            if (ReadHidden() != password)
            {
                await error.WriteLineAsync("The two passwords differ; nothing was changed.");
                return null;
            }
        }
        else
        {
            password = (await input.ReadLineAsync())?.TrimEnd('\r', '\n');
        }

        if (string.IsNullOrEmpty(password))
        {
            await error.WriteLineAsync($"No password given: pipe it on standard input or set {PasswordVariable}. Nothing was changed.");
            return null;
        }

        if (StaffAccounts.PasswordProblem(password, username) is { } problem)
        {
            await error.WriteLineAsync(problem + " Nothing was changed.");
            return null;
        }

        return password;
    }

    // Reads a line from the terminal without echoing it.
    private static string ReadHidden()
    {
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return text.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }

    private static async Task WriteListAsync(IReadOnlyList<StaffUser> users, TextWriter output)
    {
        if (users.Count == 0)
        {
            await output.WriteLineAsync("No staff users yet. Create the first admin with: staff add <username> --role admin");
            return;
        }

        static string When(DateTime? t) => t?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "never";
        var width = Math.Max("USERNAME".Length, users.Max(u => u.Username.Length)) + 2;
        await output.WriteLineAsync($"{"USERNAME".PadRight(width)}{"ROLE",-9}{"STATUS",-10}{"CREATED (UTC)",-18}LAST SIGN-IN (UTC)");
        foreach (var u in users)
        {
            var status = u.Disabled ? "disabled" : "active";
            await output.WriteLineAsync($"{u.Username.PadRight(width)}{u.Role,-9}{status,-10}{When(u.CreatedAt),-18}{When(u.LastSignInAt)}");
        }
    }

    private static string Actor()
    {
        var actor = $"{AuditLog.CommandLineActor} ({Environment.UserName})";
        return actor.Length <= 64 ? actor : actor[..64];
    }
}
