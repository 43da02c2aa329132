using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Orders.Bench;

// A process under test: `dotnet <dll> <args>` with its output in a log file, killed (with its
// children) when disposed and, whatever happens, when the runner exits.
internal sealed class ManagedProcess : IDisposable
{
    private static readonly ConcurrentDictionary<int, Process> Running = new();
    private readonly Process process;
    private readonly Timer sampler;
    private readonly Lock peakLock = new();
    private long peakRssKb;
    private MemoryStatus atPeak;
    private int peakThreads;

    static ManagedProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        Console.CancelKeyPress += (_, _) => KillAll();
    }

    private ManagedProcess(Process process, int port)
    {
        this.process = process;
        Port = port;
        Endpoint = new IPEndPoint(IPAddress.Loopback, port);
        // VmHWM is the kernel's own peak; sampling VmRSS as well shows the peak of a phase.
        sampler = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(200));
    }

    public int Port { get; }

    public IPEndPoint Endpoint { get; }

    public string HostPort => $"127.0.0.1:{Port}";

    public string BaseUrl => $"http://{HostPort}";

    public int Id => process.Id;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // The process writes its output straight to the log file (through the shell's redirection), so
    // a chatty service costs the load generator nothing.
    public static ManagedProcess Start(string name, string dll, IEnumerable<string> args, IDictionary<string, string> env, string logPath, int port)
    {
        File.AppendAllText(logPath, $"# {name}: dotnet {dll} {string.Join(' ', args)}{Environment.NewLine}");
        var info = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec dotnet \"$@\" >>\"$LOG\" 2>&1");
        info.ArgumentList.Add("sh");
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["LOG"] = logPath;
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in env)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {name}.");
        Running[process.Id] = process;
        return new ManagedProcess(process, port);
    }

    public async Task WaitReadyAsync(string path, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The process exited with {process.ExitCode} before it was ready; see its log.");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(BaseUrl + path));
                if ((int)response.StatusCode < 500)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Not ready at {BaseUrl}{path} after {timeout}.");
    }

    private void Sample() => Sample(MemoryStatus.Read(process.Id));

    private void Sample(MemoryStatus status)
    {
        lock (peakLock)
        {
            if (status.RssKb > peakRssKb)
            {
                peakRssKb = status.RssKb;
                atPeak = status;
            }

            peakThreads = Math.Max(peakThreads, status.Threads);
        }
    }

    // What the resident set was made of at the highest sample since ResetPeak, and the most threads
    // seen: to tell the managed heap and native allocations (anonymous) from mapped files (the
    // binaries, SQLite's shared WAL index) and from thread stacks.
    public string PeakComposition
    {
        get
        {
            lock (peakLock)
            {
                return string.Create(CultureInfo.InvariantCulture,
                    $"at the sampled peak: anonymous {atPeak.AnonKb / 1024.0:N0} MB, files {atPeak.FileKb / 1024.0:N0} MB, shared {atPeak.ShmemKb / 1024.0:N0} MB, {atPeak.Threads} threads (most threads: {peakThreads})");
            }
        }
    }

    public double PeakWorkingSetMb
    {
        get
        {
            var status = MemoryStatus.Read(process.Id);
            Sample(status);
            lock (peakLock)
            {
                return Math.Max(status.HwmKb, peakRssKb) / 1024.0;
            }
        }
    }

    // User + system CPU time the process has used so far (from /proc/<pid>/stat, in clock ticks of 10 ms).
    public double CpuSeconds
    {
        get
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{process.Id}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
            }
            catch (IOException)
            {
                return 0;
            }
        }
    }

    // Bytes this process has had written to storage so far (write_bytes in /proc/<pid>/io: for the
    // service, its commits' log frames and the checkpoints' copies, as the block layer saw them);
    // 0 where the file cannot be read.
    public long DiskWriteBytes
    {
        get
        {
            long written = 0;
            try
            {
                foreach (var line in File.ReadLines($"/proc/{process.Id}/io"))
                {
                    if (ProcFile.Field(line, "write_bytes:", ref written))
                    {
                        break;
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }

            return written;
        }
    }

    public void ResetPeak()
    {
        lock (peakLock)
        {
            peakRssKb = 0;
            atPeak = default;
            peakThreads = 0;
        }
    }

    public void Dispose()
    {
        sampler.Dispose();
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        Running.TryRemove(process.Id, out _);
        process.Dispose();
    }

    private static void KillAll()
    {
        foreach (var process in Running.Values)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    // Runs a command to completion (e.g. the service's `staff add`), bounded in time.
    public static async Task<(int ExitCode, string Output)> RunToEndAsync(string dll, IEnumerable<string> args, IDictionary<string, string> env, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in env)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {dll} {string.Join(' ', args)} did not finish in {timeout}.");
        }

        return (process.ExitCode, await output + await error);
    }
}

// The fields of /proc/<pid>/status the memory figures use (kB; 0 once the process has gone).
// VmHWM is the kernel's own peak of VmRSS since the process started.
internal readonly record struct MemoryStatus(long RssKb, long HwmKb, long AnonKb, long FileKb, long ShmemKb, int Threads)
{
    public static MemoryStatus Read(int pid)
    {
        long rss = 0, hwm = 0, anon = 0, file = 0, shmem = 0, threads = 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                _ = ProcFile.Field(line, "VmRSS:", ref rss) || ProcFile.Field(line, "VmHWM:", ref hwm) || ProcFile.Field(line, "RssAnon:", ref anon)
                    || ProcFile.Field(line, "RssFile:", ref file) || ProcFile.Field(line, "RssShmem:", ref shmem) || ProcFile.Field(line, "Threads:", ref threads);
            }
        }
        catch (IOException)
        {
        }

        return new MemoryStatus(rss, hwm, anon, file, shmem, (int)threads);
    }
}

// Lines of the /proc files the bench reads ("VmRSS:   1234 kB", "write_bytes: 5678").
internal static class ProcFile
{
    // Reads the number after the name when the line is that field's.
    public static bool Field(string line, string name, ref long value)
    {
        if (!line.StartsWith(name, StringComparison.Ordinal))
        {
            return false;
        }

        value = long.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return true;
    }
}

// The whole machine's CPU time so far, from the first line of /proc/stat (clock ticks): how much
// of it was idle, and how much of the idle time had a disk request outstanding (iowait). Over a
// measured run this says whether the two cores were the limit (little idle) or whether requests
// were waiting for something else, such as the service's commits reaching the disk.
internal readonly record struct MachineCpu(long Total, long Idle, long IoWait)
{
    public static MachineCpu Read()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal
            return new MachineCpu(fields.Sum(), fields[3], fields[4]);
        }
        catch (IOException)
        {
            return default;
        }
    }

    // Idle and iowait as percentages of the time between two readings (null if nothing was counted).
    public static (double Idle, double IoWait)? Between(MachineCpu start, MachineCpu end)
    {
        var total = end.Total - start.Total;
        return total <= 0 ? null : (100.0 * (end.Idle - start.Idle) / total, 100.0 * (end.IoWait - start.IoWait) / total);
    }
}
