using System.Globalization;
using System.Security.Claims;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Orders.Api.Support;

// One cookie session for the support pages, the support API and the job dashboard. Pages that need
// a session redirect to the sign-in page; the API and the dashboard answer 401/403 instead, as an
// API should. Every request re-checks the account (disabled? password reset?), so ending a session
// takes effect at once, not when the cookie runs out.
internal static partial class SupportAuthentication
{
    public const string Scheme = "OrdersSupport";
    public const string SignInPath = "/support/sign-in";

    public static IServiceCollection AddSupportAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(Scheme).AddCookie(Scheme);
        services.AddOptions<CookieAuthenticationOptions>(Scheme)
            .Configure<IOptions<SupportOptions>, IHostEnvironment>((cookie, support, environment) =>
            {
                var development = environment.IsDevelopment();
                // __Host- : the browser only accepts it over HTTPS, for this host, with Path=/.
                cookie.Cookie.Name = development ? "orders_support" : "__Host-orders_support";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
                cookie.Cookie.Path = "/";
                cookie.Cookie.IsEssential = true;
                cookie.ExpireTimeSpan = support.Value.IdleTimeout;
                cookie.SlidingExpiration = true;
                cookie.LoginPath = SignInPath;
                cookie.LogoutPath = "/support/sign-out";
                cookie.AccessDeniedPath = "/support/forbidden";
                cookie.ReturnUrlParameter = "returnUrl";
                cookie.Events = new CookieAuthenticationEvents
                {
                    OnValidatePrincipal = ValidateAsync,
                    OnRedirectToLogin = context => IsPage(context.Request)
                        ? Redirect(context)
                        : WriteProblemAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "Sign-in required",
                            $"Sign in at {SignInPath}; the support API uses the same session cookie."),
                    OnRedirectToAccessDenied = context => IsPage(context.Request)
                        ? SupportPages.ForbiddenAsync(context.HttpContext)
                        : WriteProblemAsync(context.HttpContext, StatusCodes.Status403Forbidden, "Not allowed",
                            "This action needs the admin role."),
                };
            });
        services.AddAuthorizationBuilder()
            .AddPolicy(SupportPolicies.Staff, policy => policy
                .AddAuthenticationSchemes(Scheme)
                .RequireAuthenticatedUser()
                .RequireRole(StaffRoles.Support, StaffRoles.Admin))
            .AddPolicy(SupportPolicies.Admin, policy => policy
                .AddAuthenticationSchemes(Scheme)
                .RequireAuthenticatedUser()
                .RequireRole(StaffRoles.Admin));
        return services;
    }

    // Pages get redirects and HTML; everything else (the JSON API) gets problem details.
    private static bool IsPage(HttpRequest request) => request.Path.StartsWithSegments("/support");

    private static Task Redirect(RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var staff = context.Principal is null ? null : StaffMember.TryFrom(context.Principal);
        var services = context.HttpContext.RequestServices;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var maxLength = services.GetRequiredService<IOptions<SupportOptions>>().Value.MaxSessionLength;
        var stamp = context.Principal?.FindFirstValue(StaffMember.SecurityStampClaim);
        var signedInAt = long.TryParse(context.Principal?.FindFirstValue(StaffMember.SignedInAtClaim), CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.MinValue;

        string? reason = null;
        if (staff is null || stamp is null)
        {
            reason = "unreadable session";
        }
        else if (now - signedInAt > maxLength)
        {
            reason = "session reached its maximum length";
        }
        else
        {
            var user = await services.GetRequiredService<StaffAccounts>().FindSessionStateAsync(staff.Id, context.HttpContext.RequestAborted);
            if (user is null || user.Disabled)
            {
                reason = "account disabled or removed";
            }
            else if (!string.Equals(user.SecurityStamp, stamp, StringComparison.Ordinal) || user.Role != staff.Role)
            {
                reason = "password reset or account changed";
            }
        }

        if (reason is not null)
        {
            LogSessionEnded(services.GetRequiredService<ILoggerFactory>().CreateLogger("Orders.Support.Session"), staff?.Id, reason);
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
        }
    }

    private static async Task WriteProblemAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Support session of staff user {StaffUserId} ended: {Reason}")]
    private static partial void LogSessionEnded(ILogger logger, long? staffUserId, string reason);
}

// The Hangfire dashboard can retry and delete jobs: admins only. Hangfire's default filter (local
// requests only) is replaced, not kept as the only gate. Anonymous → 401, signed in but not an
// admin → 403 (Hangfire picks the code from whether the user is authenticated).
internal sealed class AdminDashboardAuthorization : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context)
    {
        var user = context.GetHttpContext().User;
        return user.Identity?.IsAuthenticated == true
            && user.Identity.AuthenticationType == SupportAuthentication.Scheme
            && user.IsInRole(StaffRoles.Admin);
    }
}
