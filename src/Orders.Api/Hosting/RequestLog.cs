using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Routing;

namespace Orders.Api.Hosting;

internal sealed class RequestLogOptions
{
    public const string Section = "RequestLog";

    // One line per request (category Orders.Requests) for traffic trends.
    public bool Enabled { get; set; } = true;
}

// The request log the vendor uses for trends. The privacy promise is that IP addresses are never
// linked to a person, so the line carries only the client's network (IPv4 /24, IPv6 /48), the
// method, the route *template* (never the path: paths and query strings hold order numbers and
// status tokens), the status code and the duration. The framework's own per-request logs, which do
// print full URLs, stay below the Warning level configured for Microsoft.AspNetCore.
internal static partial class RequestLog
{
    public const string Category = "Orders.Requests";

    public static WebApplication UseRequestLog(this WebApplication app)
    {
        if (!app.Configuration.GetValue($"{RequestLogOptions.Section}:{nameof(RequestLogOptions.Enabled)}", true))
        {
            return app;
        }

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
        app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                if (logger.IsEnabled(LogLevel.Information) && !context.Request.Path.StartsWithSegments("/health"))
                {
                    var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText is { } template ? "/" + template.TrimStart('/') : "(no route)";
                    LogRequest(logger, context.Request.Method, route, context.Response.StatusCode,
                        Stopwatch.GetElapsedTime(started).TotalMilliseconds, ClientNetwork(context.Connection.RemoteIpAddress));
                }
            }
        });
        return app;
    }

    // 203.0.113.77 → 203.0.113.0/24; 2001:db8:1234:5678::1 → 2001:db8:1234::/48. One address's
    // network is shared by up to 256 (IPv4) or 2^80 (IPv6) addresses: enough for "where from",
    // not for "who".
    public static string ClientNetwork(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var bytes = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            bytes[3] = 0;
            return $"{new IPAddress(bytes)}/24";
        }

        Array.Clear(bytes, 6, bytes.Length - 6);
        return $"{new IPAddress(bytes)}/48";
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Method} {Route} answered {StatusCode} in {ElapsedMs:0.0} ms to {ClientNetwork}")]
    private static partial void LogRequest(ILogger logger, string method, string route, int statusCode, double elapsedMs, string clientNetwork);
}
