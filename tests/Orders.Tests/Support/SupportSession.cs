using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Orders.Api.Support;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Support;

// A staff member's browser, spoken over HTTP: a cookie jar, the sign-in form with its antiforgery
// token, the pages' forms and the JSON API on the same session.
public sealed partial class SupportSession : IDisposable
{
    public const string AdminPassword = "admin password 1234";
    public const string SupportPassword = "support password 5678";

    private SupportSession(OrdersApp app)
    {
        Cookies = new CookieContainer();
        Http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = Cookies })
        {
            BaseAddress = app.ServerAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public HttpClient Http { get; }

    public CookieContainer Cookies { get; }

    public static SupportSession Anonymous(OrdersApp app) => new(app);

    public static async Task CreateStaffAsync(OrdersApp app, string username, string role, string password)
    {
        var added = await app.Service<StaffAccounts>().AddAsync(username, role, password, "test", CancellationToken.None);
        Assert.Equal(StaffChange.Done, added);
    }

    public static async Task<SupportSession> AdminAsync(OrdersApp app, string username = "alice")
    {
        await CreateStaffAsync(app, username, StaffRoles.Admin, AdminPassword);
        return await SignedInAsync(app, username, AdminPassword);
    }

    public static async Task<SupportSession> SupportAsync(OrdersApp app, string username = "sam")
    {
        await CreateStaffAsync(app, username, StaffRoles.Support, SupportPassword);
        return await SignedInAsync(app, username, SupportPassword);
    }

    public static async Task<SupportSession> SignedInAsync(OrdersApp app, string username, string password)
    {
        var session = new SupportSession(app);
        using var response = await session.SignInAsync(username, password);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        return session;
    }

    public async Task<HttpResponseMessage> SignInAsync(string username, string password, string? returnUrl = null)
    {
        var form = new Dictionary<string, string> { ["username"] = username, ["password"] = password };
        if (returnUrl is not null)
        {
            form["returnUrl"] = returnUrl;
        }

        return await PostFormAsync("/support/sign-in", "/support/sign-in", form);
    }

    // Fetches the page the form is on (for its antiforgery token) and posts the form.
    public async Task<HttpResponseMessage> PostFormAsync(string pagePath, string action, Dictionary<string, string> fields)
    {
        using var page = await Http.GetAsync(pagePath);
        var html = await page.Content.ReadAsStringAsync();
        var token = AntiforgeryField().Match(html);
        Assert.True(token.Success, $"No antiforgery field on {pagePath} ({(int)page.StatusCode}).");
        var all = new Dictionary<string, string>(fields) { [WebUtility.HtmlDecode(token.Groups[1].Value)] = WebUtility.HtmlDecode(token.Groups[2].Value) };
        return await Http.PostAsync(action, new FormUrlEncodedContent(all));
    }

    public Task<HttpResponseMessage> PostJsonAsync(string path, object body) => Http.PostAsJsonAsync(path, body);

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<JsonElement> SearchAsync(string q) =>
        await GetJsonAsync($"/api/support/orders?q={Uri.EscapeDataString(q)}");

    public async Task<JsonElement> OrderAsync(string orderNumber) =>
        await GetJsonAsync($"/api/support/orders/{Uri.EscapeDataString(orderNumber)}");

    public async Task<string> PageAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode}");
        return await response.Content.ReadAsStringAsync();
    }

    public void Dispose() => Http.Dispose();

    // The console writes `>`, the shop's Razor pages `/>`.
    [GeneratedRegex("<input type=\"hidden\" name=\"(__RequestVerificationToken)\" value=\"([^\"]+)\"\\s*/?>")]
    private static partial Regex AntiforgeryField();
}

public sealed record PaidOrder(CheckoutDto Checkout, string CaptureId, string LicenseKey)
{
    public string OrderNumber => Checkout.OrderNumber;

    public string PayPalOrderId => Checkout.PayPalOrderId;
}

public static class SupportShop
{
    // A customer buys through the PayPal sandbox and comes back: the order is paid, licensed and mailed.
    public static async Task<PaidOrder> PaidOrderAsync(this Shop shop, OrdersApp app, string email = "ada@example.com", string licenseeName = "Ada Lovelace")
    {
        var checkout = await shop.CheckoutAsync(email: email, licenseeName: licenseeName);
        var returnUrl = await shop.ApproveAsync(checkout);
        (await shop.Http.GetAsync(returnUrl.PathAndQuery)).Dispose();
        var order = await shop.WaitForStatusAsync(checkout, "paid");
        try
        {
            await shop.WaitForMailsAsync(checkout.OrderNumber);
        }
        catch (Xunit.Sdk.XunitException e)
        {
            // Say what the mail job was doing.
            var trouble = app.Logs.Lines.Where(l => !l.StartsWith("Information", StringComparison.Ordinal) && !l.StartsWith("Debug", StringComparison.Ordinal)).TakeLast(20);
            await using var db = await app.Db.OpenAsync(CancellationToken.None);
            var rows = await db.QueryAsync<string>(new CommandDefinition(TestSql.DeliveriesSql));
            var jobs = app.Service<Hangfire.JobStorage>().GetMonitoringApi();
            var queue = $"enqueued={jobs.EnqueuedCount("default")} processing={jobs.ProcessingCount()} succeeded={jobs.SucceededListCount()} failed={jobs.FailedCount()} scheduled={jobs.ScheduledCount()} servers={jobs.Servers().Count}";
            var done = string.Join("; ", jobs.SucceededJobs(0, 20).Select(j => $"{j.Value.Job?.Type.Name}({string.Join(",", j.Value.Job?.Args ?? [])}) at {j.Value.SucceededAt:HH:mm:ss.fff}"));
            var failed = string.Join("; ", jobs.FailedJobs(0, 5).Select(j => $"{j.Value.Job?.Type.Name}({string.Join(",", j.Value.Job?.Args ?? [])}): {j.Value.ExceptionType} {j.Value.ExceptionMessage}"));
            queue += $"\nsucceeded: {done}\nfailed: {failed}";
            var mail = app.Logs.Lines.Where(l => l.Contains("Delivery", StringComparison.Ordinal) || l.Contains("delivery", StringComparison.Ordinal)).TakeLast(10);
            throw new Xunit.Sdk.XunitException($"{e.Message}\nnow={DateTime.UtcNow:o} offset={app.Clock.Offset}\ndeliveries:\n{string.Join('\n', rows)}\njobs: {queue}\nmail logs:\n{string.Join('\n', mail)}\nwarnings:\n{string.Join('\n', trouble)}");
        }

        await using var connection = await app.Db.OpenAsync(CancellationToken.None);
        var captureId = await connection.ExecuteScalarAsync<string>(
            new CommandDefinition(TestSql.CaptureIdSql, new { OrderNumber = checkout.OrderNumber })) ?? throw new InvalidOperationException("no capture id");
        return new PaidOrder(checkout, captureId, order!.Licenses[0].Key);
    }

    public static async Task<List<JsonElement>> AuditAsync(this SupportSession admin, string? orderNumber = null, string? action = null)
    {
        var query = new List<string>();
        if (orderNumber is not null)
        {
            query.Add($"order={Uri.EscapeDataString(orderNumber)}");
        }

        if (action is not null)
        {
            query.Add($"action={action}");
        }

        var page = await admin.GetJsonAsync("/api/support/audit?" + string.Join('&', query));
        return [.. page.GetProperty("entries").EnumerateArray()];
    }
}

internal static class TestSql
{
    public const string CaptureIdSql = "SELECT provider_transaction_ref FROM orders WHERE order_number = @OrderNumber";

    public const string DeliveriesSql = "SELECT id || ' ' || kind || ' ' || status || ' attempts=' || attempts || ' created=' || created_at || ' next=' || next_attempt_at || ' claimed=' || COALESCE(claimed_until, '-') || ' error=' || COALESCE(last_error, '-') FROM deliveries";
}
