using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orders.Api.Support;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Support;

// Failed sign-ins slow down per username and client network instead of locking the account, and
// say nothing about which usernames exist. Clients on different networks are told apart by
// X-Forwarded-For from a trusted (loopback) proxy; the per-address rate limit is out of the way.
public sealed partial class SupportSignInThrottleTests : IAsyncLifetime
{
    private const string NetworkA = "203.0.113.10";
    private const string SameNetworkAsA = "203.0.113.99";
    private const string NetworkB = "198.51.100.10";
    private const string NetworkC = "192.0.2.10";

    // The throttle's own clock stands still unless a test moves it, so every wait is exact.
    private readonly StillClock throttleClock = new();
    private readonly OrdersApp app;

    public SupportSignInThrottleTests()
    {
        app = new(
            settings: new()
            {
                ["ForwardedHeaders:Enabled"] = "true",
                ["ForwardedHeaders:KnownNetworks:0"] = "127.0.0.0/8",
                ["RateLimits:SignInPerMinute"] = "1000",
            },
            replaceServices: services => services.AddSingleton(sp => new SignInThrottle(sp.GetRequiredService<IOptions<SupportOptions>>(), throttleClock)));
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => app.DisposeAsync();

    [Fact]
    public async Task FailedSignInsForKnownAndUnknownUsernamesGetIdenticalAnswersAndNeverLockTheAccount()
    {
        await SupportSession.CreateStaffAsync(app, "alice", StaffRoles.Admin, SupportSession.AdminPassword);
        using var known = From(NetworkA);
        using var unknown = From(NetworkB);

        // "bobby" has no account; both names are five letters, so even Content-Length must match.

        var statuses = new List<HttpStatusCode>();
        for (var attempt = 1; attempt <= 7; attempt++)
        {
            using var wrong = await known.SignInAsync("alice", $"wrong password {attempt}");
            using var nobody = await unknown.SignInAsync("bobby", $"wrong password {attempt}");
            var (knownAnswer, unknownAnswer) = (await DescribeAsync(wrong, "alice"), await DescribeAsync(nobody, "bobby"));
            Assert.Equal(knownAnswer, unknownAnswer);
            statuses.Add(wrong.StatusCode);
        }

        // Five wrong passwords are answered as such; then each attempt must wait, the right password too.
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.BadRequest, 5), HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        using (var right = await known.SignInAsync("alice", SupportSession.AdminPassword))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(30), right.Headers.RetryAfter?.Delta);
            Assert.Contains("Too many failed sign-ins", await right.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal("text/html", right.Content.Headers.ContentType?.MediaType);
        }

        // The account is not locked: its owner gets in from another network at once...
        using (var elsewhere = From(NetworkC))
        {
            using var signIn = await elsewhere.SignInAsync("alice", SupportSession.AdminPassword);
            Assert.Equal(HttpStatusCode.SeeOther, signIn.StatusCode);
        }

        // ...and from the throttled one once the wait is over.
        throttleClock.Advance(TimeSpan.FromSeconds(31));
        using var later = await known.SignInAsync("alice", SupportSession.AdminPassword);
        Assert.Equal(HttpStatusCode.SeeOther, later.StatusCode);
        (await known.GetJsonAsync("/api/support/me")).GetProperty("username");
    }

    [Fact]
    public async Task TheWaitGrowsWithEachFailureAndIsCappedAtTheMaximumDelay()
    {
        using var client = From(NetworkA);
        var waits = new List<TimeSpan?>();
        for (var attempt = 1; attempt <= 11; attempt++)
        {
            using var response = await client.SignInAsync("bobby", $"wrong password {attempt}");
            waits.Add(response.Headers.RetryAfter?.Delta);
            if (response.Headers.RetryAfter?.Delta is { } wait)
            {
                throttleClock.Advance(wait);
                using var after = await client.SignInAsync("bobby", $"wrong password {attempt}b");
                Assert.Equal(HttpStatusCode.BadRequest, after.StatusCode);
            }
        }

        Assert.Equal(
            [null, null, null, null, null, 30, 60, 120, 240, 480, 900],
            waits.Select(w => w?.TotalSeconds).ToArray());
    }

    [Fact]
    public async Task ManyUsernamesFromOneNetworkAreSlowedDownOnThatNetworkOnly()
    {
        await SupportSession.CreateStaffAsync(app, "alice", StaffRoles.Admin, SupportSession.AdminPassword);
        using var guesser = From(NetworkA);
        for (var n = 1; n <= 20; n++)
        {
            using var response = await guesser.SignInAsync($"user{n}", "some wrong password");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        using var neighbour = From(SameNetworkAsA);
        using (var refused = await neighbour.SignInAsync("alice", SupportSession.AdminPassword))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        using var elsewhere = From(NetworkB);
        using var admitted = await elsewhere.SignInAsync("alice", SupportSession.AdminPassword);
        Assert.Equal(HttpStatusCode.SeeOther, admitted.StatusCode);
    }

    private SupportSession From(string address)
    {
        var session = SupportSession.Anonymous(app);
        session.Http.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return session;
    }

    // Everything a client can see, with the parts that differ by construction made equal: the
    // username it typed (echoed in the form), the form's antiforgery token and the Date header.
    private static async Task<string> DescribeAsync(HttpResponseMessage response, string username)
    {
        var body = AntiforgeryValue().Replace(await response.Content.ReadAsStringAsync(), "value=\"TOKEN\"")
            .Replace($"value=\"{username}\"", "value=\"USERNAME\"", StringComparison.Ordinal);
        var headers = response.Headers.Concat(response.Content.Headers)
            .Where(h => h.Key != "Date")
            .OrderBy(h => h.Key, StringComparer.Ordinal)
            .Select(h => $"{h.Key}: {string.Join(", ", h.Value)}");
        return $"{(int)response.StatusCode}\n{string.Join("\n", headers)}\n\n{body}";
    }

    [GeneratedRegex("(?<=name=\"__RequestVerificationToken\" )value=\"[^\"]+\"")]
    private static partial Regex AntiforgeryValue();

    private sealed class StillClock : TimeProvider
    {
        private DateTimeOffset now = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

        public void Advance(TimeSpan by) => now += by;

        public override DateTimeOffset GetUtcNow() => now;
    }
}
