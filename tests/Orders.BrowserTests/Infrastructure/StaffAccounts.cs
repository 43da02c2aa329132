using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Orders.BrowserTests.Infrastructure;

// Staff accounts made the operator's way (`dotnet Orders.Api.dll staff add <name> --role <role>`,
// password on stdin) and signed in through the console's sign-in page.
public static partial class StaffAccounts
{
    public static async Task AddAsync(OrdersApp app, string username, string role, string password)
    {
        _ = app.ServerAddress; // started, so the database exists and is migrated
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "Orders.Api.dll"), "staff", "add", username, "--role", role })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Storage__DataDirectory"] = app.DataDirectory;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteLineAsync(password);
        process.StandardInput.Close();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        Assert.True(process.ExitCode == 0, $"staff add failed ({process.ExitCode}): {await output} {await error}");
    }

    public static async Task SignInAsync(IPage page, string username, string password)
    {
        await page.GotoAsync("/support");
        await Expect(page).ToHaveURLAsync(SignInUrl());
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByTestId("staff-user")).ToHaveTextAsync(username);
    }

    [GeneratedRegex("/support/sign-in")]
    private static partial Regex SignInUrl();
}
