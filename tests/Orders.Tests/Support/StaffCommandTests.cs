using System.Diagnostics;
using System.Net;
using Orders.Api.Support;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Support;

// `staff add|list|disable|enable|reset-password`, the way an operator runs it: the built service
// started as a process on a data directory, password on standard input, exit code and output read.
public sealed class StaffCommandTests : IAsyncLifetime
{
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "orders-tests", Guid.NewGuid().ToString("N"));

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        if (Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true);
        }

        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task TheFirstAdminIsCreatedFromTheCommandLineAndCanSignIn()
    {
        var added = await RunAsync(["staff", "add", "Root-Admin", "--role", "admin"], stdin: "the first admin password\n");
        Assert.Equal(0, added.ExitCode);
        Assert.Equal("Added admin 'root-admin'. They can sign in at /support/sign-in.", added.Output.Trim());

        var list = await RunAsync(["staff", "list"]);
        Assert.Equal(0, list.ExitCode);
        var line = Assert.Single(list.Output.Split('\n'), l => l.StartsWith("root-admin", StringComparison.Ordinal));
        Assert.Contains("admin", line, StringComparison.Ordinal);
        Assert.Contains("active", line, StringComparison.Ordinal);
        Assert.DoesNotContain("the first admin password", added.Output + added.Error + list.Output, StringComparison.Ordinal);

        // The service, started on the same data directory, lets them in.
        await using var app = new OrdersApp(dataDirectory);
        using var session = await SupportSession.SignedInAsync(app, "root-admin", "the first admin password");
        Assert.Equal("admin", (await session.GetJsonAsync("/api/support/me")).GetProperty("role").GetString());
        var audit = await app.Service<AuditLog>().ReadAsync(new AuditQuery(null, null, AuditActions.StaffAdded, null, 10), CancellationToken.None);
        Assert.StartsWith(AuditLog.CommandLineActor, Assert.Single(audit).Actor, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PasswordsComeFromTheEnvironmentOrStdinNeverFromArgumentsAndMustBeLong()
    {
        var fromArgument = await RunAsync(["staff", "add", "bob", "--role", "support", "--password", "a long enough password"]);
        Assert.Equal(2, fromArgument.ExitCode);
        Assert.Contains("never taken from arguments", fromArgument.Error, StringComparison.Ordinal);

        var tooShort = await RunAsync(["staff", "add", "bob", "--role", "support"], stdin: "short\n");
        Assert.Equal(1, tooShort.ExitCode);
        Assert.Contains("at least 12 characters", tooShort.Error, StringComparison.Ordinal);

        var none = await RunAsync(["staff", "add", "bob", "--role", "support"], stdin: "");
        Assert.Equal(1, none.ExitCode);

        var badRole = await RunAsync(["staff", "add", "bob", "--role", "root"], stdin: "a long enough password\n");
        Assert.Equal(2, badRole.ExitCode);

        var fromEnvironment = await RunAsync(["staff", "add", "bob", "--role", "support"], environment: new() { [StaffCommand.PasswordVariable] = "a long enough password" });
        Assert.Equal(0, fromEnvironment.ExitCode);

        var twice = await RunAsync(["staff", "add", "bob", "--role", "admin"], stdin: "another long password\n");
        Assert.Equal(1, twice.ExitCode);
        Assert.Contains("already exists", twice.Error, StringComparison.Ordinal);

        var list = await RunAsync(["staff", "list"]);
        Assert.Contains("support", Assert.Single(list.Output.Split('\n'), l => l.StartsWith("bob", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WeakPasswordsAreRefusedWithAReasonAndExitCode1()
    {
        Assert.Equal(0, (await RunAsync(["staff", "add", "dora", "--role", "support"], stdin: "a sound passphrase 7\n")).ExitCode);
        foreach (var (username, password, reason) in new[]
        {
            ("eve", "aaaaaaaaaaaa", "one character repeated"),
            ("eve", "hello EVE friends", "must not contain the username"),
            ("eve", "Unbelievable", "list of common passwords"),
            ("dora", "aaaaaaaaaaaa", "one character repeated"),
            ("dora", "hello DORA friends", "must not contain the username"),
            ("dora", "Unbelievable", "list of common passwords"),
        })
        {
            var run = username == "eve"
                ? await RunAsync(["staff", "add", username, "--role", "support"], stdin: password + "\n")
                : await RunAsync(["staff", "reset-password", username], stdin: password + "\n");
            Assert.Equal(1, run.ExitCode);
            Assert.Contains(reason, run.Error, StringComparison.Ordinal);
            Assert.Contains("Nothing was changed", run.Error, StringComparison.Ordinal);
        }

        var list = await RunAsync(["staff", "list"]);
        Assert.DoesNotContain(list.Output.Split('\n'), l => l.StartsWith("eve ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DisableEnableAndResetPasswordChangeWhoCanSignIn()
    {
        Assert.Equal(0, (await RunAsync(["staff", "add", "carol", "--role", "support"], stdin: "first secret phrase 1\n")).ExitCode);
        Assert.Equal(0, (await RunAsync(["staff", "disable", "carol"])).ExitCode);
        Assert.Contains("disabled", (await RunAsync(["staff", "list"])).Output, StringComparison.Ordinal);
        Assert.Equal(1, (await RunAsync(["staff", "disable", "nobody"])).ExitCode);

        await using (var app = new OrdersApp(dataDirectory))
        {
            using var refused = await SupportSession.Anonymous(app).SignInAsync("carol", "first secret phrase 1");
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        Assert.Equal(0, (await RunAsync(["staff", "enable", "carol"])).ExitCode);
        var reset = await RunAsync(["staff", "reset-password", "carol"], stdin: "second secret phrase 2\n");
        Assert.Equal(0, reset.ExitCode);
        Assert.Contains("New password set for 'carol'", reset.Output, StringComparison.Ordinal);
        Assert.Equal(1, (await RunAsync(["staff", "reset-password", "nobody"], stdin: "whatever long password\n")).ExitCode);

        await using (var app = new OrdersApp(dataDirectory))
        {
            using var old = await SupportSession.Anonymous(app).SignInAsync("carol", "first secret phrase 1");
            Assert.Equal(HttpStatusCode.BadRequest, old.StatusCode);
            using var current = await SupportSession.SignedInAsync(app, "carol", "second secret phrase 2");
        }
    }

    // The README's promise: 0 done, 1 refused, 2 usage (with the usage on standard error).
    [Theory]
    [InlineData("staff")]
    [InlineData("staff promote bob")]
    [InlineData("staff list everyone")]
    [InlineData("staff disable")]
    [InlineData("staff add bob")]
    [InlineData("staff add bob --role")]
    [InlineData("staff enable bob carol")]
    public async Task UsageErrorsPrintTheUsageOnStandardErrorAndExitWithTwo(string command)
    {
        var run = await RunAsync(command.Split(' '));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("staff add <username> --role admin|support", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Theory]
    [InlineData("staff help")]
    [InlineData("staff --help")]
    [InlineData("staff -h")]
    public async Task HelpAskedForIsPrintedOnStandardOutputWithZero(string command)
    {
        var help = await RunAsync(command.Split(' '));
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("staff reset-password <username>", help.Output, StringComparison.Ordinal);
        Assert.Empty(help.Error);
    }

    [Fact]
    public async Task SettingsTheServiceWouldRefuseAreRefusedWithOneNamingTheSetting()
    {
        var run = await RunAsync(["staff", "list"], environment: new() { ["Mail__Mode"] = "Smtp" });
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Mail:Host", run.Error, StringComparison.Ordinal);
    }

    private sealed record Run(int ExitCode, string Output, string Error);

    // The service's own entry point, as `dotnet run --project src/Orders.Api -- staff …` runs it.
    private async Task<Run> RunAsync(string[] args, string? stdin = null, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Orders.Api.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Storage__DataDirectory"] = dataDirectory;
        start.Environment.Remove(StaffCommand.PasswordVariable);
        foreach (var (key, value) in environment ?? [])
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new Run(process.ExitCode, await output, await error);
    }
}
