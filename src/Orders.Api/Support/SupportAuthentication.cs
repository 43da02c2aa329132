using System.Security.Claims;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Orders.Api.Support;

// One cookie session for the support pages, the support API and the job dashboard. Pages that need
// a session redirect to the sign-in page; the API and the dashboard answer 401/403 instead, as an
// API should. The session itself is a row in the database (StaffSessions) that every request looks
// up, so ending it (sign-out, account disabled, password reset, idle, too old) takes effect at once
// for every copy of the cookie, not when the cookie runs out.
internal static class SupportAuthentication
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
                // The row decides about idleness; the cookie only never outlives the longest session.
                cookie.ExpireTimeSpan = support.Value.MaxSessionLength;
                cookie.SlidingExpiration = false;
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

    // The cookie names a session; the database says whether it is still open and whose it is. The
    // request then runs as the account is now (its current role), not as the cookie remembers it.
    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var token = context.Principal?.FindFirstValue(StaffSessions.TokenClaim);
        var session = token is null
            ? null
            : await context.HttpContext.RequestServices.GetRequiredService<StaffSessions>().FindAsync(token, context.HttpContext.RequestAborted);
        if (session is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
            return;
        }

        context.ReplacePrincipal(StaffSessions.Principal(session));
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
