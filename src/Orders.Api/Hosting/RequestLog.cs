using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Orders.Api.Hosting;

internal sealed class RequestLogOptions
{
    public const string Section = "RequestLog";

    public bool Enabled { get; set; } = true;

    // How often the tallies are written: one line per method, route, status and client network
    // that had requests in the interval, none for an interval without requests.
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);
}

// The request log the vendor uses for traffic trends (category Orders.Requests). The privacy
// promise is that IP addresses are never linked to a person, so requests are only counted by the
// client's network (IPv4 /24, IPv6 /48), the method, the route *template* (never the path: paths
// and query strings hold order numbers and status tokens) and the status code, with the mean and
// the longest duration. The framework's own per-request logs, which do print full URLs, stay below
// the Warning level configured for Microsoft.AspNetCore.
//
// A tally per interval rather than a line per request: a JSON line per request was the largest
// single cost left on the webhook path (≈ 15 % of the CPU per webhook in the benchmarks, at
// 10,000 webhooks a second also 5 MB of log a second), and trends only need the counts. A single
// request still shows up, as "×1", within the interval; and fewer lines per network say even
// less about any one visitor. Stopping the service writes the last partial interval.
internal sealed partial class RequestLog(ILoggerFactory loggerFactory, TimeProvider time, IOptions<RequestLogOptions> options)
    : BackgroundService
{
    public const string Category = "Orders.Requests";

    // Beyond this many distinct lines in one interval (a flood from many networks), further
    // networks are counted together as "other networks" (and unknown methods as OTHER), so memory
    // stays bounded.
    public const int MaxTalliesPerInterval = 10_000;

    private readonly ILogger logger = loggerFactory.CreateLogger(Category);
    private readonly Lock gate = new();
    private Dictionary<TallyKey, Tally> tallies = [];
    private DateTimeOffset intervalStart = time.GetUtcNow();

    internal bool IsEnabled => options.Value.Enabled && logger.IsEnabled(LogLevel.Information);

    internal void Count(HttpContext context, long elapsedTicks)
    {
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        var network = context.GetEndpoint()?.Metadata.GetMetadata<CountedWithoutClientNetwork>() is null
            ? Network.Of(context.Connection.RemoteIpAddress)
            : Network.NotRecorded;
        var key = new TallyKey(context.Request.Method, route, context.Response.StatusCode, network);
        lock (gate)
        {
            if (tallies.Count >= MaxTalliesPerInterval && !tallies.ContainsKey(key))
            {
                // Routes and status codes are few; methods are whatever the client sends.
                key = key with { Method = IsStandardMethod(key.Method) ? key.Method : "OTHER", Network = Network.Other };
            }

            ref var tally = ref CollectionsMarshal.GetValueRefOrAddDefault(tallies, key, out _);
            tally.Count++;
            tally.TotalTicks += elapsedTicks;
            tally.MaxTicks = Math.Max(tally.MaxTicks, elapsedTicks);
        }
    }

    private static bool IsStandardMethod(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsPost(method) || HttpMethods.IsHead(method) || HttpMethods.IsPut(method)
        || HttpMethods.IsDelete(method) || HttpMethods.IsPatch(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method)
        || HttpMethods.IsConnect(method);

    // Writes one line per tally of the interval that just ended and starts the next.
    public void Flush()
    {
        Dictionary<TallyKey, Tally> ended;
        DateTimeOffset from;
        var to = time.GetUtcNow();
        lock (gate)
        {
            ended = tallies;
            from = intervalStart;
            tallies = new Dictionary<TallyKey, Tally>(ended.Count);
            intervalStart = to;
        }

        var seconds = Math.Max(1, (int)Math.Round((to - from).TotalSeconds));
        foreach (var (key, tally) in ended)
        {
            LogTally(logger, key.Method, key.Route is { } template ? "/" + template.TrimStart('/') : "(no route)", key.StatusCode,
                tally.Count, seconds, Stopwatch.GetElapsedTime(0, tally.TotalTicks / tally.Count).TotalMilliseconds,
                Stopwatch.GetElapsedTime(0, tally.MaxTicks).TotalMilliseconds, key.Network.ToString());
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!IsEnabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Flush();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // 203.0.113.77 → 203.0.113.0/24; 2001:db8:1234:5678::1 → 2001:db8:1234::/48. One address's
    // network is shared by up to 256 (IPv4) or 2^80 (IPv6) addresses: enough for "where from",
    // not for "who".
    public static string ClientNetwork(IPAddress? address) => Network.Of(address).ToString();

    private readonly record struct TallyKey(string Method, string? Route, int StatusCode, Network Network);

    private struct Tally
    {
        public long Count;
        public long TotalTicks;
        public long MaxTicks;
    }

    private enum NetworkKind : byte
    {
        NoAddress,
        IPv4,
        IPv6,

        // The tallies were full: every further network counts here.
        OtherNetworks,

        // A route that promises not to record who asked (CountedWithoutClientNetwork).
        NotRecorded,
    }

    // The client's network as a value (no string per request): the address with its host part
    // zeroed, kept as 16 bytes.
    private readonly record struct Network(NetworkKind Kind, UInt128 Prefix)
    {
        public static readonly Network Unknown = new(NetworkKind.NoAddress, 0);
        public static readonly Network Other = new(NetworkKind.OtherNetworks, 0);
        public static readonly Network NotRecorded = new(NetworkKind.NotRecorded, 0);

        public static Network Of(IPAddress? address)
        {
            if (address is null)
            {
                return Unknown;
            }

            if (address.IsIPv4MappedToIPv6)
            {
                address = address.MapToIPv4();
            }

            Span<byte> bytes = stackalloc byte[16];
            bytes.Clear();
            address.TryWriteBytes(bytes, out var written);
            if (address.AddressFamily == AddressFamily.InterNetwork)
            {
                bytes[3] = 0;
            }
            else
            {
                bytes[6..written].Clear();
            }

            var kind = address.AddressFamily == AddressFamily.InterNetwork ? NetworkKind.IPv4 : NetworkKind.IPv6;
            return new Network(kind, System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes));
        }

        public override string ToString()
        {
            Span<byte> bytes = stackalloc byte[16];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, Prefix);
            return Kind switch
            {
                NetworkKind.IPv4 => $"{new IPAddress(bytes[..4])}/24",
                NetworkKind.IPv6 => $"{new IPAddress(bytes)}/48",
                NetworkKind.OtherNetworks => "other networks",
                NetworkKind.NotRecorded => "networks not recorded",
                _ => "unknown",
            };
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "{Method} {Route} answered {StatusCode} ×{Count} in {IntervalSeconds} s (mean {MeanMs:0.0} ms, max {MaxMs:0.0} ms) to {ClientNetwork}")]
    private static partial void LogTally(ILogger logger, string method, string route, int statusCode, long count, int intervalSeconds,
        double meanMs, double maxMs, string clientNetwork);
}
// Endpoint metadata: the request log counts the route's requests without the client's network (a
// public download whose promise is that nobody's fetching it is recorded).
internal sealed class CountedWithoutClientNetwork
{
    public static readonly CountedWithoutClientNetwork Instance = new();
}

internal static class RequestLogRegistration
{
    public static TBuilder WithoutClientNetworkInRequestLog<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(CountedWithoutClientNetwork.Instance);

    public static IServiceCollection AddRequestLog(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RequestLogOptions>()
            .Bind(configuration.GetSection(RequestLogOptions.Section))
            .Validate(o => o.Interval > TimeSpan.Zero, "RequestLog:Interval must be positive, e.g. 00:01:00.")
            .ValidateOnStart();
        services.AddSingleton<RequestLog>();
        services.AddHostedService(sp => sp.GetRequiredService<RequestLog>());
        return services;
    }

    public static WebApplication UseRequestLog(this WebApplication app)
    {
        var requestLog = app.Services.GetRequiredService<RequestLog>();
        if (!requestLog.IsEnabled)
        {
            return app;
        }

        app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                if (!context.Request.Path.StartsWithSegments("/health"))
                {
                    requestLog.Count(context, Stopwatch.GetTimestamp() - started);
                }
            }
        });

        // The last, partial interval, once the server has answered its last request.
        app.Lifetime.ApplicationStopped.Register(requestLog.Flush);
        return app;
    }
}
