using Hangfire;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Mail;
using static Orders.Api.Pages.Html;

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
            .WithTags("Licenses").WithName("RecoverLicenseKeys");
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

    private static ContentHttpResult Form(HttpContext context, IAntiforgery antiforgery) => FormPage(context, antiforgery, null, null, 200);

    private static async Task<ContentHttpResult> PostForm([FromForm] RecoverForm form, HttpContext context, IAntiforgery antiforgery, KeyRecoveryRequests requests, CancellationToken ct)
    {
        var outcome = await requests.RequestAsync(form.Email, ct);
        return outcome switch
        {
            RecoveryOutcome.Accepted => Page("License keys", $"""
                <h1>Check your e-mail</h1>
                <p data-testid="recovery-accepted">{E(AcceptedMessage)}</p>
                """, StatusCodes.Status202Accepted),
            RecoveryOutcome.Invalid invalid => FormPage(context, antiforgery, form.Email, invalid.Errors, 400),
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

    private static ContentHttpResult FormPage(HttpContext context, IAntiforgery antiforgery, string? email, Dictionary<string, string[]>? errors, int statusCode)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var error = errors?.GetValueOrDefault("email") is { } messages
            ? $"""<div class="error" id="email-error">{E(string.Join(" ", messages))}</div>"""
            : "";
        var describe = error.Length > 0 ? "aria-invalid=\"true\" aria-describedby=\"email-error\"" : "";
        // Never send a card-like number back to the browser, not even into the form it came from.
        var keep = CardNumberGuard.ContainsCardLikeNumber(email) ? "" : E(email);
        return Page("Lost your license key?", $"""
            <h1>Lost your license key?</h1>
            <p>Enter the e-mail address you bought with. We e-mail every license key of that address that still works, to that address only.</p>
            <form method="post" action="{LicenseRecoveryPath}" novalidate>
              <input type="hidden" name="{E(tokens.FormFieldName)}" value="{E(tokens.RequestToken)}">
              <label for="email">E-mail address</label>
              <input id="email" name="email" type="email" autocomplete="email" required maxlength="{KeyRecoveryRequests.MaxEmailLength}" value="{keep}" {describe}>
              {error}
              <button type="submit">E-mail my license keys</button>
            </form>
            """, statusCode);
    }
}
