using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Api.Hosting;
using Orders.Api.Mail;

namespace Orders.Api.KeyRecovery;

internal sealed record KeyRecoveryRequest(string? Email);

internal sealed record KeyRecoveryAccepted(string Message);

// A customer who lost their key enters their address and gets one e-mail with all their active keys.
// The page and the API answer exactly the same whether or not the address is known; no key is ever
// shown in the browser.
internal static class KeyRecoveryEndpoints
{
    public const string AcceptedMessage =
        "If this address bought a license from us, an e-mail with all its license keys that still work is on its way. It can take a few minutes; check your spam folder too. We send at most one such e-mail per address every 10 minutes.";

    public static IServiceCollection AddKeyRecovery(this IServiceCollection services)
    {
        services.AddScoped<KeyRecoveryRequests>();
        services.DescribeRequestFields<KeyRecoveryRequest>(("email", s => s.Text(1, KeyRecoveryRequests.MaxEmailLength, "email")));
        services.AddScoped<KeyRecoveryJob>();
        services.AddSingleton<KeyRecoveryEmail>();
        services.AddSingleton<IDeliveryComposer>(sp => sp.GetRequiredService<KeyRecoveryEmail>());
        return services;
    }

    public static IEndpointRouteBuilder MapKeyRecovery(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("/licenses/recover").WithTags("Pages").ExcludeFromDescription();
        pages.MapGet("", Form);
        pages.MapPost("", PostForm).RequireRateLimiting(RateLimits.KeyRecovery);

        app.MapPost("/api/licenses/recover", PostApi).RequireRateLimiting(RateLimits.KeyRecovery)
            .WithTags("Licenses").WithName("RecoverLicenseKeys")
            .WithSummary("E-mail a customer the license keys of their paid orders")
            .WithDescription("Always answers 202 with the same sentence for a well-formed address, whether or not it has orders, so the "
                + "answer tells nobody who is a customer; the keys go only to that address. Limited per client network.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    // Requests whose job was lost are picked up every minute.
    public static WebApplication StartKeyRecovery(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
            app.Services.GetRequiredService<IRecurringJobManager>().AddOrUpdate<KeyRecoveryJob>(
                KeyRecoveryJob.RecurringJobId, job => job.SweepAsync(CancellationToken.None), Cron.Minutely()));
        return app;
    }

    internal sealed record RecoverForm(string? Email);

    private static RazorComponentResult<RecoveryPage> Form() => new();

    private static async Task<RazorComponentResult<RecoveryPage>> PostForm([FromForm] RecoverForm form, KeyRecoveryRequests requests, CancellationToken ct)
    {
        var outcome = await requests.RequestAsync(form.Email, ct);
        return outcome switch
        {
            RecoveryOutcome.Accepted => new(new { Accepted = true }) { StatusCode = StatusCodes.Status202Accepted },
            RecoveryOutcome.Invalid invalid => new(new { form.Email, Error = invalid.Errors.GetValueOrDefault("email") is { } messages ? string.Join(" ", messages) : "Enter your e-mail address." })
            {
                StatusCode = StatusCodes.Status400BadRequest,
            },
            _ => throw new InvalidOperationException($"Unhandled recovery outcome {outcome.GetType().Name}."),
        };
    }

    private static async Task<Results<Accepted<KeyRecoveryAccepted>, ValidationProblem>> PostApi(KeyRecoveryRequest request, KeyRecoveryRequests requests, CancellationToken ct)
    {
        var outcome = await requests.RequestAsync(request.Email, ct);
        return outcome switch
        {
            RecoveryOutcome.Accepted => TypedResults.Accepted((string?)null, new KeyRecoveryAccepted(AcceptedMessage)),
            RecoveryOutcome.Invalid invalid => TypedResults.ValidationProblem(invalid.Errors),
            _ => throw new InvalidOperationException($"Unhandled recovery outcome {outcome.GetType().Name}."),
        };
    }
}
