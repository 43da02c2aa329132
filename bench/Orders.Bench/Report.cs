using System.Globalization;
using System.Text;

namespace Orders.Bench;

internal sealed class Row
{
    public string Name { get; init; } = "";
    public string Value { get; set; } = "";
    public double? RequestsPerSecond { get; init; }
    public double? P50Ms { get; init; }
    public double? P99Ms { get; init; }
    public double? MaxMs { get; init; }
    public int? Requests { get; init; }
    public int? NotOk { get; init; }
    public int? RequestBytes { get; init; }
    public double? ServerCpuMicros { get; init; }
    public double? ServerDiskKb { get; init; }
    public double? MachineIdlePercent { get; init; }
    public double? MachineIoWaitPercent { get; init; }
    public string? Check { get; set; }

    public static Row Of(string name, LoadResult run, int requestBytes)
    {
        var latency = run.Latencies();
        return new Row
        {
            Name = name,
            Value = $"{run.PerSecond:N0} req/s",
            RequestsPerSecond = Math.Round(run.PerSecond, 1),
            P50Ms = Math.Round(latency.P50Ms, 2),
            P99Ms = Math.Round(latency.P99Ms, 2),
            MaxMs = Math.Round(latency.MaxMs, 1),
            Requests = run.Sent,
            NotOk = run.Done - run.Ok,
            RequestBytes = requestBytes > 0 ? requestBytes : null,
            ServerCpuMicros = run.ServerCpuMicrosPerRequest is { } cpu ? Math.Round(cpu, 1) : null,
            ServerDiskKb = run.ServerDiskKbPerRequest is { } disk ? Math.Round(disk, 2) : null,
            MachineIdlePercent = run.MachineIdle is { } idle ? Math.Round(idle.Idle, 1) : null,
            MachineIoWaitPercent = run.MachineIdle is { } waiting ? Math.Round(waiting.IoWait, 1) : null,
            Check = run.Done == run.Ok ? null : "not 2xx: " + string.Join(", ", run.Status.Take(run.Sent).Where(s => s != 0 && s is < 200 or >= 300)
                .GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{(g.Key < 0 ? "connection error" : g.Key.ToString(CultureInfo.InvariantCulture))} × {g.Count()}")),
        };
    }
}

// One run's figures, side by side, with the issue's targets.
internal sealed class Report(string size, int cores, string loadAverageAtStart)
{
    public string Size { get; } = size;
    public int Cores { get; } = cores;
    public string LoadAverageAtStart { get; } = loadAverageAtStart;
    public string LoadAverageAtEnd { get; set; } = "";
    public DateTime StartedUtc { get; } = DateTime.UtcNow;
    public double Seconds { get; set; }
    public List<Row> Rows { get; } = [];
    public List<string> Failures { get; } = [];

    public double? Ceiling { get; set; }
    public double? CeilingAfterIngest { get; set; }
    public double? Naive { get; set; }
    public double? Ingest { get; set; }
    public double? IngestP99Ms { get; set; }
    public double? Duplicates { get; set; }
    public double? EndToEnd { get; set; }
    public int? BacklogEvents { get; set; }
    public double? BacklogSeconds { get; set; }
    public double? BacklogRate { get; set; }
    public double? CheckoutP99Ms { get; set; }
    public double? StatusP99Ms { get; set; }
    public double? LookupWorstP99Ms { get; set; }
    public double? IngestPeakMb { get; set; }
    public double? EndToEndPeakMb { get; set; }

    // The ceiling is measured before the naive peer and ingest (1) and again right after 3b (3c);
    // the ratios are taken against the mean of the two. On this shared machine the same build's
    // CPU per request moves by a third within minutes, so one ceiling measured two minutes before
    // ingest could flatter or wrong it; the two measurements bracket it. Each ratio is also shown
    // against each ceiling alone, and a large gap between the two says the machine changed.
    public double? CeilingAroundIngest => CeilingAfterIngest is { } after && Ceiling is { } before ? (before + after) / 2 : Ceiling;
    public double? IngestOverCeiling => Ingest / CeilingAroundIngest;
    public double? IngestOverNaive => Ingest / Naive;
    public double? DuplicatesOverCeiling => Duplicates / CeilingAroundIngest;

    public void Add(Row row) => Rows.Add(row);

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"### Orders benchmarks ({Size}) — {StartedUtc:yyyy-MM-dd HH:mm} UTC, {Cores} cores, load average {LoadAverageAtStart.Split(' ')[0]} → {LoadAverageAtEnd.Split(' ')[0]}, {Seconds:N0} s");
        md.AppendLine();
        md.AppendLine("| measurement | result | p50 ms | p99 ms | max ms | requests | not 2xx | server CPU µs/req | server disk KB/req | machine idle % (I/O wait) | check |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in Rows)
        {
            var idle = r.MachineIdlePercent is { } i ? string.Create(CultureInfo.InvariantCulture, $"{i:N0} ({r.MachineIoWaitPercent:N0})") : "";
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.Value} | {F(r.P50Ms, "N2")} | {F(r.P99Ms, "N2")} | {F(r.MaxMs, "N1")} | {F(r.Requests, "N0")} | {F(r.NotOk, "N0")} | {F(r.ServerCpuMicros, "N0")} | {F(r.ServerDiskKb, "N1")} | {idle} | {r.Check} |");
        }

        md.AppendLine();
        md.AppendLine("| target | measured | met |");
        md.AppendLine("|---|---:|:---:|");
        Target(md, "ingest ≥ 0.20 × ceiling", IngestOverCeiling, v => $"{v:N3} ×{AgainstEach(Ingest)}", v => v >= 0.20);
        Target(md, "ingest p99 ≤ 20 ms at 64 connections", IngestP99Ms, v => $"{v:N1} ms", v => v <= 20);
        Target(md, "ingest ≥ 20 × naive peer", IngestOverNaive, v => $"{v:N1} ×", v => v >= 20);
        Target(md, "duplicates ≥ 0.3 × ceiling", DuplicatesOverCeiling, v => $"{v:N3} ×{AgainstEach(Duplicates)}", v => v >= 0.3);
        Target(md, "end to end ≥ 1,000 licensed orders/s", EndToEnd, v => $"{v:N0} /s", v => v >= 1000);
        // A smaller backlog (--quick) is scaled to 100,000 at the rate it drained.
        var scaled = BacklogEvents == 100_000 ? BacklogSeconds : BacklogRate is { } rate && rate > 0 ? 100_000 / rate : null;
        var projected = BacklogSeconds is null || BacklogEvents != 100_000;
        Target(md, "100k backlog drains in ≤ 120 s", BacklogEvents == 100_000 && BacklogSeconds is not null ? BacklogSeconds : scaled,
            v => projected ? $"≈ {v:N0} s (projected from {BacklogEvents:N0} at {BacklogRate:N0}/s)" : $"{v:N0} s", v => v <= 120);
        Target(md, "checkout p99 ≤ 50 ms during the drain", CheckoutP99Ms, v => $"{v:N1} ms", v => v <= 50);
        Target(md, "status p99 ≤ 50 ms during the drain", StatusP99Ms, v => $"{v:N1} ms", v => v <= 50);
        Target(md, "lookups p99 ≤ 5 ms (worst kind)", LookupWorstP99Ms, v => $"{v:N2} ms", v => v <= 5);
        Target(md, "peak working set ≤ 300 MB (3 and 4)", Max(IngestPeakMb, EndToEndPeakMb), v => $"{v:N0} MB", v => v <= 300);
        if (Failures.Count > 0)
        {
            md.AppendLine();
            foreach (var failure in Failures)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- FAILED: {failure}");
            }
        }

        return md.ToString();
    }

    // " (0.210 × / 0.190 × against 1 / 3c)" when both ceilings were measured.
    private string AgainstEach(double? measured) => Ceiling is { } before && CeilingAfterIngest is { } after && measured is { } m
        ? string.Create(CultureInfo.InvariantCulture, $" ({m / before:N3} × / {m / after:N3} × against 1 / 3c)")
        : "";

    private static double? Max(double? a, double? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    private static void Target(StringBuilder md, string name, double? value, Func<double, string> format, Func<double, bool> met)
    {
        if (value is { } v && !double.IsNaN(v))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {format(v)} | {(met(v) ? "yes" : "**no**")} |");
        }
    }

    private static string F(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "";

    private static string F(int? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "";
}
