using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Orders.Api.Hosting;

internal sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    public int CheckoutPerMinute { get; set; } = 30;

    public int SignInPerMinute { get; set; } = 10;

    public int ConsentPerMinute { get; set; } = 30;

    public int KeyRecoveryPerMinute { get; set; } = 5;
}

// The framework's rate limiter on the endpoints a stranger can hammer: starting checkouts (each one
// creates an order at the provider), staff sign-in, the customers' consent links and key recovery.
// Partitioned by the client address (key recovery: its network, /24 or /48, since each request can
// send an e-mail), which is held in memory for the window only: never stored, never logged.
internal static class RateLimits
{
    public const string Checkout = "checkout";
    public const string SignIn = "sign-in";
    public const string Consent = "consent";
    public const string KeyRecovery = "key-recovery";

    public static IServiceCollection AddRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new();
        // A limit of 0 or less would fail every request of its route, not the start.
        services.AddOptions<RateLimitOptions>()
            .Bind(configuration.GetSection(RateLimitOptions.Section))
            .Validate(o => o.CheckoutPerMinute > 0, "RateLimits:CheckoutPerMinute must be positive.")
            .Validate(o => o.SignInPerMinute > 0, "RateLimits:SignInPerMinute must be positive.")
            .Validate(o => o.ConsentPerMinute > 0, "RateLimits:ConsentPerMinute must be positive.")
            .Validate(o => o.KeyRecoveryPerMinute > 0, "RateLimits:KeyRecoveryPerMinute must be positive.")
            .ValidateOnStart();
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(Checkout, context => PerClient(context, options.CheckoutPerMinute));
            limiter.AddPolicy(SignIn, context => PerClient(context, options.SignInPerMinute));
            limiter.AddPolicy(Consent, context => PerClient(context, options.ConsentPerMinute));
            limiter.AddPolicy(KeyRecovery, context => PerNetwork(context, options.KeyRecoveryPerMinute));
            limiter.OnRejected = async (rejected, ct) =>
            {
                var response = rejected.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                TimeSpan? wait = null;
                if (rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    wait = retryAfter;
                    response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                // A shopper's browser gets a page that says how long to wait.
                if (await ErrorPages.TryWriteAsync(rejected.HttpContext, StatusCodes.Status429TooManyRequests, wait))
                {
                    return;
                }

                var problems = rejected.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = rejected.HttpContext,
                    ProblemDetails = new ProblemDetails { Status = 429, Title = "Too many requests", Detail = "Please wait a moment and try again." },
                });
            };
        });
        return services;
    }

    private static RateLimitPartition<string> PerNetwork(HttpContext context, int perMinute) =>
        RateLimitPartition.GetFixedWindowLimiter(
            RequestLog.ClientNetwork(context.Connection.RemoteIpAddress),
            _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });

    private static RateLimitPartition<string> PerClient(HttpContext context, int perMinute) =>
        RateLimitPartition.GetFixedWindowLimiter(
            context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
            _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
}
