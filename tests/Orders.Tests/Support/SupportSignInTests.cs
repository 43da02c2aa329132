using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;
using Orders.Api.Support;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Support;

public sealed class SupportSignInTests : IAsyncLifetime
{
    private readonly OrdersApp app = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => app.DisposeAsync();

    [Fact]
    public async Task AnonymousApiCallsGet401ProblemsAndPagesRedirectToSignIn()
    {
        using var anonymous = SupportSession.Anonymous(app);

        foreach (var path in new[] { "/api/support/orders?q=ada@example.com", "/api/support/orders/ORD-ANY", "/api/support/audit", "/api/support/me" })
        {
            using var api = await anonymous.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
            Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
            Assert.Equal(401, (await api.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32());
        }

        using var post = await anonymous.PostJsonAsync("/api/support/orders/ORD-ANY/resend", new { });
        Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);

        using var page = await anonymous.Http.GetAsync("/support/orders/ORD-ANY");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/support/sign-in?returnUrl=%2Fsupport%2Forders%2FORD-ANY", page.Headers.Location!.PathAndQuery);

        using var search = await anonymous.Http.GetAsync("/support");
        Assert.Equal(HttpStatusCode.Redirect, search.StatusCode);
    }

    [Fact]
    public async Task SignInGivesAStrictHttpOnlySessionForPagesAndApiAndSignOutEndsIt()
    {
        await SupportSession.CreateStaffAsync(app, "alice", StaffRoles.Admin, SupportSession.AdminPassword);
        using var session = SupportSession.Anonymous(app);

        using var signIn = await session.SignInAsync("Alice", SupportSession.AdminPassword, returnUrl: "/support/audit");
        Assert.Equal(HttpStatusCode.SeeOther, signIn.StatusCode);
        Assert.Equal("/support/audit", signIn.Headers.Location!.OriginalString);
        var cookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("orders_support=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);

        var me = await session.GetJsonAsync("/api/support/me");
        Assert.Equal("alice", me.GetProperty("username").GetString());
        Assert.Equal("admin", me.GetProperty("role").GetString());
        Assert.Contains("Signed in as <strong data-testid=\"staff-user\">alice</strong>", await session.PageAsync("/support"), StringComparison.Ordinal);

        using var signOut = await session.PostFormAsync("/support", "/support/sign-out", []);
        Assert.Equal(HttpStatusCode.SeeOther, signOut.StatusCode);
        Assert.Equal("/support/sign-in?signedOut=1", signOut.Headers.Location!.OriginalString);
        using var after = await session.Http.GetAsync("/api/support/me");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);

        var actions = (await AuditActionsAsync()).ToList();
        Assert.Contains(AuditActions.SignedIn, actions);
        Assert.Contains(AuditActions.SignedOut, actions);
    }

    [Fact]
    public async Task FormsWithoutAnAntiforgeryTokenAreRefused()
    {
        await SupportSession.CreateStaffAsync(app, "alice", StaffRoles.Admin, SupportSession.AdminPassword);
        using var anonymous = SupportSession.Anonymous(app);
        using var signIn = await anonymous.Http.PostAsync("/support/sign-in",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "alice", ["password"] = SupportSession.AdminPassword }));
        Assert.Equal(HttpStatusCode.BadRequest, signIn.StatusCode);

        using var session = await SupportSession.SignedInAsync(app, "alice", SupportSession.AdminPassword);
        using var signOut = await session.Http.PostAsync("/support/sign-out", new FormUrlEncodedContent(new Dictionary<string, string>()));
        Assert.Equal(HttpStatusCode.BadRequest, signOut.StatusCode);
        (await session.GetJsonAsync("/api/support/me")).GetProperty("username");
    }

    [Fact]
    public async Task UnknownUserAndWrongPasswordGetTheSameAnswer()
    {
        await SupportSession.CreateStaffAsync(app, "alice", StaffRoles.Admin, SupportSession.AdminPassword);
        using var session = SupportSession.Anonymous(app);

        using var unknown = await session.SignInAsync("mallory", "whatever password 1");
        using var wrong = await session.SignInAsync("alice", "whatever password 1");

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("Wrong username or password.", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("Wrong username or password.", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignOutEndsEveryCopyOfTheSessionCookie()
    {
        using var session = await SupportSession.AdminAsync(app);
        using var copy = CopyOf(session);
        (await Me(copy)).EnsureSuccessStatusCode();

        using var signOut = await session.PostFormAsync("/support", "/support/sign-out", []);
        Assert.Equal(HttpStatusCode.SeeOther, signOut.StatusCode);

        using var afterSignOut = await Me(copy);
        Assert.Equal(HttpStatusCode.Unauthorized, afterSignOut.StatusCode);
        using var page = await copy.GetAsync("/support");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
    }

    [Fact]
    public async Task SigningInAgainOverAnOpenSessionEndsTheOldOne()
    {
        using var session = await SupportSession.AdminAsync(app);
        using var old = CopyOf(session);

        // The sign-in page sends a signed-in user on, so the form's token comes from the search page.
        using var again = await session.PostFormAsync("/support", "/support/sign-in",
            new() { ["username"] = "alice", ["password"] = SupportSession.AdminPassword });
        Assert.Equal(HttpStatusCode.SeeOther, again.StatusCode);

        (await session.GetJsonAsync("/api/support/me")).GetProperty("username");
        using var oldCookie = await Me(old);
        Assert.Equal(HttpStatusCode.Unauthorized, oldCookie.StatusCode);
        Assert.Equal(1, await OpenSessionsAsync("alice"));
    }

    [Fact]
    public async Task DisablingAnAccountEndsAllItsSessionsAndEnablingItDoesNotBringThemBack()
    {
        using var admin = await SupportSession.AdminAsync(app);
        using var first = await SupportSession.SupportAsync(app);
        using var second = await SupportSession.SignedInAsync(app, "sam", SupportSession.SupportPassword);
        using var copy = CopyOf(first);
        var accounts = app.Service<StaffAccounts>();

        Assert.Equal(StaffChange.Done, await accounts.SetDisabledAsync("sam", disabled: true, "test", CancellationToken.None));
        Assert.Equal(0, await OpenSessionsAsync("sam"));
        Assert.Equal(1, await OpenSessionsAsync("alice"));
        Assert.Equal(StaffChange.Done, await accounts.SetDisabledAsync("sam", disabled: false, "test", CancellationToken.None));

        foreach (var client in new[] { first.Http, second.Http, copy })
        {
            using var response = await Me(client);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        (await Me(admin.Http)).EnsureSuccessStatusCode();
        Assert.Equal(StaffChange.Done, await accounts.ResetPasswordAsync("alice", "a brand new password 42", "test", CancellationToken.None));
        Assert.Equal(0, await OpenSessionsAsync("alice"));
    }

    [Fact]
    public async Task ANonAsciiReturnUrlIsFollowedPercentEncodedAndAForeignOneIsNot()
    {
        await SupportSession.CreateStaffAsync(app, "alice", StaffRoles.Admin, SupportSession.AdminPassword);
        using var session = SupportSession.Anonymous(app);

        using var signIn = await session.SignInAsync("alice", SupportSession.AdminPassword, returnUrl: "/support/orders/ÄÖ");
        Assert.Equal(HttpStatusCode.SeeOther, signIn.StatusCode);
        Assert.Equal("/support/orders/%C3%84%C3%96", signIn.Headers.Location!.OriginalString);
        Assert.Single(await AuditActionsAsync(), a => a == AuditActions.SignedIn);

        using var again = await session.Http.GetAsync("/support/sign-in?returnUrl=" + Uri.EscapeDataString("/support/orders/ÄÖ?x=ü ß"));
        Assert.Equal(HttpStatusCode.SeeOther, again.StatusCode);
        Assert.Equal("/support/orders/%C3%84%C3%96?x=%C3%BC%20%C3%9F", again.Headers.Location!.OriginalString);

        foreach (var foreign in new[] { "//evil.example/x", "/\\evil.example/x", "https://evil.example/", "/support\\..\\x" })
        {
            Assert.Equal("/support", SupportPages.SafeReturnUrl(foreign));
        }
    }

    [Fact]
    public async Task AnIdleSessionEndsAfterThirtyMinutesButUseKeepsItAlive()
    {
        using var session = await SupportSession.AdminAsync(app);

        app.Clock.Advance(TimeSpan.FromMinutes(20));
        (await session.GetJsonAsync("/api/support/me")).GetProperty("username");
        app.Clock.Advance(TimeSpan.FromMinutes(20));
        (await session.GetJsonAsync("/api/support/me")).GetProperty("username");

        app.Clock.Advance(TimeSpan.FromMinutes(31));
        using var idle = await session.Http.GetAsync("/api/support/me");
        Assert.Equal(HttpStatusCode.Unauthorized, idle.StatusCode);
    }

    [Fact]
    public async Task DisablingAUserOrResettingTheirPasswordEndsTheirSessionsAtOnce()
    {
        using var admin = await SupportSession.AdminAsync(app);
        using var support = await SupportSession.SupportAsync(app);
        var accounts = app.Service<StaffAccounts>();

        Assert.Equal(StaffChange.Done, await accounts.SetDisabledAsync("sam", disabled: true, "test", CancellationToken.None));
        using (var disabled = await support.Http.GetAsync("/api/support/me"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, disabled.StatusCode);
        }

        using var again = await SupportSession.Anonymous(app).SignInAsync("sam", SupportSession.SupportPassword);
        Assert.Contains("This account is disabled", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(StaffChange.Done, await accounts.ResetPasswordAsync("alice", "a brand new password 42", "test", CancellationToken.None));
        using (var reset = await admin.Http.GetAsync("/api/support/me"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, reset.StatusCode);
        }

        using var old = await SupportSession.Anonymous(app).SignInAsync("alice", SupportSession.AdminPassword);
        Assert.Equal(HttpStatusCode.BadRequest, old.StatusCode);
        await SupportSession.SignedInAsync(app, "alice", "a brand new password 42");
    }

    [Fact]
    public async Task SupportUsersAreRefusedAdminActionsWith403()
    {
        using var support = await SupportSession.SupportAsync(app);

        foreach (var (path, body) in new[] { ("/api/support/orders/ORD-ANY/revoke", (object)new { reason = "abuse" }), ("/api/support/orders/ORD-ANY/refund", new { }) })
        {
            using var response = await support.PostJsonAsync(path, body);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        using var audit = await support.Http.GetAsync("/api/support/audit");
        Assert.Equal(HttpStatusCode.Forbidden, audit.StatusCode);

        using var page = await support.Http.GetAsync("/support/audit");
        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Contains("for admins", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var confirm = await support.Http.GetAsync("/support/orders/ORD-ANY/refund");
        Assert.Equal(HttpStatusCode.Forbidden, confirm.StatusCode);
    }

    [Fact]
    public async Task TheJobDashboardIsForAdminsOnly()
    {
        using var anonymous = SupportSession.Anonymous(app);
        using (var response = await anonymous.Http.GetAsync("/hangfire"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using var support = await SupportSession.SupportAsync(app);
        using (var response = await support.Http.GetAsync("/hangfire"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using var admin = await SupportSession.AdminAsync(app);
        using (var response = await admin.Http.GetAsync("/hangfire"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("Orders jobs", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var recurring = await admin.Http.GetAsync("/hangfire/recurring"))
        {
            Assert.Contains("recovery-sweep", await recurring.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public void OutsideDevelopmentTheSessionCookieIsHostOnlySecureStrictAndHttpOnly(string environment)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = environment });
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<SupportOptions>();
        services.AddSupportAuthentication();
        using var provider = services.BuildServiceProvider();

        var cookie = provider.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(SupportAuthentication.Scheme);

        Assert.Equal("__Host-orders_support", cookie.Cookie.Name);
        Assert.Equal(CookieSecurePolicy.Always, cookie.Cookie.SecurePolicy);
        Assert.Equal(SameSiteMode.Strict, cookie.Cookie.SameSite);
        Assert.True(cookie.Cookie.HttpOnly);
        Assert.Equal("/", cookie.Cookie.Path);
        Assert.Null(cookie.Cookie.Domain);
        // The session row decides about idleness (StaffSessions); the cookie never outlives a session.
        Assert.Equal(TimeSpan.FromHours(12), cookie.ExpireTimeSpan);
        Assert.False(cookie.SlidingExpiration);
        Assert.Equal("/support/sign-in", cookie.LoginPath);
    }

    // Another browser with the same cookie (a copied cookie).
    private HttpClient CopyOf(SupportSession session)
    {
        var copy = app.Http();
        copy.DefaultRequestHeaders.Add("Cookie", session.Cookies.GetCookieHeader(app.ServerAddress));
        return copy;
    }

    private static Task<HttpResponseMessage> Me(HttpClient client) => client.GetAsync("/api/support/me");

    private async Task<int> OpenSessionsAsync(string username)
    {
        await using var connection = await app.Db.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition("""
            SELECT COUNT(*) FROM staff_sessions s JOIN support_users u ON u.id = s.staff_user_id
            WHERE u.username = @Username AND s.ended_at IS NULL
            """, new { Username = username }));
    }

    private async Task<List<string>> AuditActionsAsync()
    {
        var entries = await app.Service<AuditLog>().ReadAsync(new AuditQuery(null, null, null, null, 200), CancellationToken.None);
        return [.. entries.Select(e => e.Action)];
    }
}
