using System.Diagnostics;

namespace Orders.Bench;

// Optional: with ORDERS_BENCH_TRACE=<path to dotnet-trace>, a CPU-sampling trace of the service is
// taken during the measured part of a phase (ORDERS_BENCH_TRACE_SECONDS, default 8) and written
// next to the service logs as <phase>.nettrace (and .speedscope.json). With ORDERS_BENCH_PERF=1,
// `perf record -g` samples the service instead (<phase>.perf.data; the runtime writes its perf map).
internal sealed class Profiler : IDisposable
{
    private readonly Process? process;

    private Profiler(Process? process) => this.process = process;

    public static Profiler Attach(ManagedProcess service, string work, string phase)
    {
        var tool = Environment.GetEnvironmentVariable("ORDERS_BENCH_TRACE");
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("ORDERS_BENCH_TRACE_SECONDS"), out var s) ? s : 8;
        if (UsePerf)
        {
            // perf with the runtime's perf map (DOTNET_PerfMapEnabled=1 is set on the service).
            tool = "perf";
        }
        else if (string.IsNullOrEmpty(tool))
        {
            return new Profiler(null);
        }

        var info = new ProcessStartInfo(tool)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var pid = service.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var arg in UsePerf
            ? new[] { "record", "-F", "499", "-g", "-p", pid, "-o", Path.Combine(work, phase + ".perf.data"), "--", "sleep", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture) }
            : new[] { "collect", "-p", service.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--profile", "dotnet-sampled-thread-time",
                     "--duration", TimeSpan.FromSeconds(seconds).ToString(@"hh\:mm\:ss", System.Globalization.CultureInfo.InvariantCulture),
                     "--format", "Speedscope", "-o", Path.Combine(work, phase + ".nettrace") })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info);
        if (process is not null)
        {
            var log = Path.Combine(work, phase + ".trace.log");
            _ = Task.Run(async () => await File.WriteAllTextAsync(log, await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync()));
        }

        return new Profiler(process);
    }

    public static bool UsePerf => Environment.GetEnvironmentVariable("ORDERS_BENCH_PERF") == "1";

    public void Dispose()
    {
        if (process is null)
        {
            return;
        }

        process.WaitForExit(60_000);
        process.Dispose();
    }
}
