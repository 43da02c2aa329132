namespace Orders.CrashHarness;

internal static class HarnessProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Any(a => a is "-h" or "--help" or "-?"))
        {
            Console.WriteLine(HarnessOptions.Usage);
            return 0;
        }

        HarnessOptions options;
        try
        {
            options = HarnessOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            await Console.Error.WriteLineAsync(HarnessOptions.Usage);
            return 2;
        }

        options.Progress = Console.Out;
        using var interrupted = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            interrupted.Cancel();
        };

        try
        {
            var report = await Harness.RunAsync(options, interrupted.Token);
            Console.WriteLine();
            Console.WriteLine(report.ToText());
            return report.Passed ? 0 : 1;
        }
        catch (HarnessException e)
        {
            await Console.Error.WriteLineAsync($"The harness could not complete the run: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("Interrupted; the service and the sandbox were stopped.");
            return 1;
        }
    }
}
