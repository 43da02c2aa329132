using System.Net;
using System.Text.Json;
using Dapper;
using Orders.Api.Licensing;
using Orders.Api.Support;
using Orders.Licensing;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Support;

public sealed class SupportLookupTests : ServiceTest
{
    [Fact]
    public async Task SearchFindsAnOrderByWhateverTheCustomerHasAtHand()
    {
        var order = await shop.PaidOrderAsync(app, email: "Ada.Lovelace@Example.com");
        var other = await shop.PaidOrderAsync(app, email: "grace@example.net", licenseeName: "Grace Hopper");
        using var support = await SupportSession.SupportAsync(app);

        var byTerm = new (string Term, string MatchedBy)[]
        {
            ("ada.lovelace@example.com", "e-mail"),
            ("  ADA.LOVELACE@EXAMPLE.COM ", "e-mail"),
            (order.OrderNumber, "order number"),
            (order.OrderNumber.ToLowerInvariant(), "order number"),
            (order.LicenseKey, "license key"),
            (" " + order.LicenseKey.ToLowerInvariant() + "\n", "license key"),
            (order.PayPalOrderId, "PayPal order id"),
            (order.CaptureId, "PayPal capture id"),
        };
        foreach (var (term, matchedBy) in byTerm)
        {
            var result = await support.SearchAsync(term);
            var hit = Assert.Single(result.GetProperty("orders").EnumerateArray());
            Assert.Equal(order.OrderNumber, hit.GetProperty("orderNumber").GetString());
            Assert.Equal(matchedBy, hit.GetProperty("matchedBy").GetString());
            Assert.True(hit.GetProperty("exact").GetBoolean());
            Assert.Equal("Ada.Lovelace@Example.com", hit.GetProperty("email").GetString());
            Assert.Equal("paid", hit.GetProperty("status").GetString());
        }

        var grace = await support.SearchAsync("grace@example.net");
        Assert.Equal(other.OrderNumber, Assert.Single(grace.GetProperty("orders").EnumerateArray()).GetProperty("orderNumber").GetString());
    }

    [Fact]
    public async Task ExactMatchesComeBeforeOrdersThatOnlyStartTheSame()
    {
        var prefixOnly = await shop.PaidOrderAsync(app, email: "ada@example.com.au");
        var exact = await shop.PaidOrderAsync(app, email: "ada@example.com");
        using var support = await SupportSession.SupportAsync(app);

        var orders = (await support.SearchAsync("ada@example.com")).GetProperty("orders").EnumerateArray().ToList();

        Assert.Equal([exact.OrderNumber, prefixOnly.OrderNumber], orders.Select(o => o.GetProperty("orderNumber").GetString()));
        Assert.True(orders[0].GetProperty("exact").GetBoolean());
        Assert.False(orders[1].GetProperty("exact").GetBoolean());
        Assert.Equal("e-mail starts with", orders[1].GetProperty("matchedBy").GetString());

        var byStart = (await support.SearchAsync("ada@exa")).GetProperty("orders").EnumerateArray().ToList();
        Assert.Equal(2, byStart.Count);
    }

    [Fact]
    public async Task ASearchShowsFiftyOrdersAndSaysWhenThereAreMore()
    {
        Assert.Equal(OrderSearch.SqliteLimit, (OrderSearch.MaxResults + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var fifty = await shop.PaidOrderAsync(app, email: "fifty@example.com");
        await CopyOrderAsync(fifty.OrderNumber, copies: OrderSearch.MaxResults - 1);
        var more = await shop.PaidOrderAsync(app, email: "more@example.com");
        await CopyOrderAsync(more.OrderNumber, copies: OrderSearch.MaxResults);
        using var support = await SupportSession.SupportAsync(app);

        var all = await support.SearchAsync("fifty@example.com");
        Assert.Equal(OrderSearch.MaxResults, all.GetProperty("orders").GetArrayLength());
        Assert.False(all.GetProperty("truncated").GetBoolean());

        var some = await support.SearchAsync("more@example.com");
        Assert.Equal(OrderSearch.MaxResults, some.GetProperty("orders").GetArrayLength());
        Assert.True(some.GetProperty("truncated").GetBoolean());

        // The same bound for orders that only start with what was typed.
        var started = await support.SearchAsync("more@exa");
        Assert.Equal(OrderSearch.MaxResults, started.GetProperty("orders").GetArrayLength());
        Assert.True(started.GetProperty("truncated").GetBoolean());
    }

    // More orders of the same customer, straight into the database (the checkout's rate limit would
    // make 50 checkouts slow): copies with their own numbers and references.
    private async Task CopyOrderAsync(string orderNumber, int copies)
    {
        await using var connection = await app.Db.OpenAsync(CancellationToken.None);
        for (var i = 1; i <= copies; i++)
        {
            await connection.ExecuteAsync("""
                INSERT INTO orders (order_number, sku, product_name, quantity, unit_price_minor, currency, total_minor, email, licensee_name,
                                    provider, provider_order_ref, provider_transaction_ref, status, status_token_hash, created_at, updated_at, paid_at)
                SELECT order_number || '-' || @Copy, sku, product_name, quantity, unit_price_minor, currency, total_minor, email, licensee_name,
                       provider, provider_order_ref || '-' || @Copy, provider_transaction_ref || '-' || @Copy, status, status_token_hash, created_at, updated_at, paid_at
                FROM orders WHERE order_number = @OrderNumber
                """, new { OrderNumber = orderNumber, Copy = i });
        }
    }

    [Fact]
    public async Task AKeyNamingAnIssuedLicenseButSignedByAnyoneElseFindsNothing()
    {
        var order = await shop.PaidOrderAsync(app);
        var issued = app.Service<LicenseKeys>().KeyRing.Verify(order.LicenseKey);
        Assert.True(issued.IsValid);
        using var impostor = LicenseSigner.FromPem(LicenseSigner.GeneratePrivateKeyPem(), issued.KeyId!);
        using var support = await SupportSession.SupportAsync(app);

        var forged = await support.SearchAsync(impostor.Sign(issued.License!));

        Assert.Empty(forged.GetProperty("orders").EnumerateArray());
        Assert.Contains("cannot be read", forged.GetProperty("hint").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SearchSaysWhyNothingMatches()
    {
        using var support = await SupportSession.SupportAsync(app);

        var nothing = await support.SearchAsync("nobody@example.org");
        Assert.Empty(nothing.GetProperty("orders").EnumerateArray());
        Assert.Contains("No order matches", nothing.GetProperty("hint").GetString(), StringComparison.Ordinal);

        var damaged = await support.SearchAsync("ORD1-0SNK4-C1J6S-GHGK2-98CPK-6HAQ9-D536M-JPB4R-46MA5-91242");
        Assert.Contains("looks like a license key", damaged.GetProperty("hint").GetString(), StringComparison.Ordinal);

        using var empty = await support.Http.GetAsync("/api/support/orders?q=%20");
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }

    [Fact]
    public async Task TheOrderShowsLicensesEmailsAndATimelineOfProviderEventsAndStaffActions()
    {
        var order = await shop.PaidOrderAsync(app);
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NULL"), n => n == 0, what: "every event processed");
        using var admin = await SupportSession.AdminAsync(app);
        (await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/resend", new { })).Dispose();

        var view = await admin.OrderAsync(order.OrderNumber);

        Assert.Equal("paid", view.GetProperty("status").GetString());
        Assert.Equal("ada@example.com", view.GetProperty("email").GetString());
        Assert.Equal(order.PayPalOrderId, view.GetProperty("providerOrderRef").GetString());
        Assert.Equal(order.CaptureId, view.GetProperty("providerTransactionRef").GetString());
        Assert.Equal(4900, view.GetProperty("totalMinor").GetInt64());
        var license = Assert.Single(view.GetProperty("licenses").EnumerateArray());
        Assert.Equal(order.LicenseKey, license.GetProperty("key").GetString());
        Assert.Equal("active", license.GetProperty("status").GetString());
        var deliveries = view.GetProperty("deliveries").EnumerateArray().ToList();
        Assert.Equal(["license", "resend"], deliveries.Select(d => d.GetProperty("kind").GetString()));
        Assert.All(deliveries, d => Assert.Equal("ada@example.com", d.GetProperty("toAddress").GetString()));

        var timeline = view.GetProperty("timeline").EnumerateArray().ToList();
        var titles = timeline.Select(t => t.GetProperty("title").GetString()!).ToList();
        Assert.Equal("Order placed", titles[0]);
        var paid = Assert.Single(timeline, t => t.GetProperty("source").GetString() == "provider" && t.GetProperty("detail").GetString()!.EndsWith("→ paid: license issued", StringComparison.Ordinal));
        Assert.StartsWith("PayPal: ", paid.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Contains($"PayPal capture id {order.CaptureId}", paid.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("License issued (line 1)", titles);
        Assert.Contains("License e-mail #1 queued", titles);
        var staff = Assert.Single(timeline, t => t.GetProperty("source").GetString() == "staff");
        Assert.Equal("Staff resent the license e-mail", staff.GetProperty("title").GetString());
        Assert.Equal("alice", staff.GetProperty("actor").GetString());
        var times = timeline.Select(t => t.GetProperty("at").GetDateTime()).ToList();
        Assert.Equal(times.Order(), times);

        var actions = view.GetProperty("actions");
        Assert.True(actions.GetProperty("canResend").GetBoolean());
        Assert.True(actions.GetProperty("canRevoke").GetBoolean());
        Assert.True(actions.GetProperty("canRefund").GetBoolean());
    }

    [Fact]
    public async Task ASupportUserSeesWhatTheyMayNotDoAndWhy()
    {
        var order = await shop.PaidOrderAsync(app);
        using var support = await SupportSession.SupportAsync(app);

        var actions = (await support.OrderAsync(order.OrderNumber)).GetProperty("actions");
        Assert.True(actions.GetProperty("canResend").GetBoolean());
        Assert.False(actions.GetProperty("canRevoke").GetBoolean());
        Assert.False(actions.GetProperty("canRefund").GetBoolean());
        Assert.Equal("Only admins can do this.", actions.GetProperty("refundUnavailable").GetString());

        var page = await support.PageAsync($"/support/orders/{order.OrderNumber}");
        Assert.Contains("Resend license e-mail", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Revoke license", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Refund…", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownOrderIsA404Problem()
    {
        using var support = await SupportSession.SupportAsync(app);
        using var api = await support.Http.GetAsync("/api/support/orders/ORD-NOPE");
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
        using var page = await support.Http.GetAsync("/support/orders/ORD-NOPE");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
    }

    [Fact]
    public async Task EveryLookupIsAuditedWithoutTheSearchTermOrPersonalData()
    {
        var order = await shop.PaidOrderAsync(app, email: "grace.hopper@example.net");
        using var support = await SupportSession.SupportAsync(app);
        await support.SearchAsync("Grace.Hopper@example.net");
        await support.SearchAsync(order.LicenseKey);
        await support.OrderAsync(order.OrderNumber);
        await support.PageAsync($"/support?q={Uri.EscapeDataString(order.CaptureId)}");
        await support.PageAsync($"/support/orders/{order.OrderNumber}");
        using var admin = await SupportSession.AdminAsync(app);

        var entries = await admin.AuditAsync(orderNumber: order.OrderNumber);
        var mine = entries.Where(e => e.GetProperty("actor").GetString() == "sam").ToList();
        Assert.Equal(
            [AuditActions.ViewOrder, AuditActions.Search, AuditActions.ViewOrder, AuditActions.Search, AuditActions.Search],
            mine.Select(e => e.GetProperty("action").GetString()));
        Assert.All(mine, e => Assert.Equal(order.OrderNumber, e.GetProperty("orderNumber").GetString()));
        Assert.Equal("by e-mail address: 1 result(s)", mine[^1].GetProperty("detail").GetString());
        Assert.Equal("by license key: 1 result(s)", mine[^2].GetProperty("detail").GetString());

        var everything = JsonSerializer.Serialize(await admin.AuditAsync());
        Assert.DoesNotContain("grace.hopper", everything, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(order.LicenseKey, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(order.CaptureId, everything, StringComparison.Ordinal);
        Assert.DoesNotContain("Grace Hopper", everything, StringComparison.Ordinal);

        var auditPage = await admin.PageAsync($"/support/audit?order={order.OrderNumber}");
        Assert.Contains("view-order", auditPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheAuditLogPagesBackwardsAndFilters()
    {
        using var admin = await SupportSession.AdminAsync(app);
        for (var i = 0; i < 5; i++)
        {
            await admin.SearchAsync($"nobody{i}@example.org");
        }

        var first = await admin.GetJsonAsync("/api/support/audit?action=search&limit=3");
        var firstIds = first.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(3, firstIds.Count);
        Assert.Equal(firstIds.OrderDescending(), firstIds);
        var next = first.GetProperty("nextBefore").GetInt64();

        var second = await admin.GetJsonAsync($"/api/support/audit?action=search&limit=3&before={next}");
        var secondIds = second.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(2, secondIds.Count);
        Assert.All(secondIds, id => Assert.True(id < firstIds[^1]));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextBefore").ValueKind);

        var byActor = await admin.GetJsonAsync("/api/support/audit?actor=ALICE");
        Assert.All(byActor.GetProperty("entries").EnumerateArray(), e => Assert.Equal("alice", e.GetProperty("actor").GetString()));
        using var badAction = await admin.Http.GetAsync("/api/support/audit?action=everything");
        Assert.Equal(HttpStatusCode.BadRequest, badAction.StatusCode);
    }

    [Fact]
    public async Task NoEmailAddressPasswordOrLicenseKeyReachesTheLogs()
    {
        // Debug lines too: some of the lines that name a search or an event are Debug in production.
        await using var verboseApp = new OrdersApp(settings: new() { ["Logging:LogLevel:Default"] = "Debug" });
        var verboseShop = new Shop(verboseApp);
        var order = await verboseShop.PaidOrderAsync(verboseApp, email: "grace.hopper@example.net", licenseeName: "Grace Hopper");
        using var admin = await SupportSession.AdminAsync(verboseApp);
        using var wrong = await SupportSession.Anonymous(verboseApp).SignInAsync("alice", "not the password 99");
        await admin.SearchAsync("grace.hopper@example.net");
        await admin.SearchAsync(order.LicenseKey);
        await admin.PageAsync($"/support?q={Uri.EscapeDataString("grace.hopper@example.net")}");
        await admin.OrderAsync(order.OrderNumber);
        (await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/resend", new { })).Dispose();
        await verboseShop.WaitForMailsAsync(order.OrderNumber, 2);
        (await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/refund", new { })).Dispose();

        var logs = verboseApp.Logs.AllText;
        Assert.Contains("searched orders by e-mail address", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("grace.hopper", logs, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(SupportSession.AdminPassword, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("not the password 99", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(order.LicenseKey, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("orders_support=", logs, StringComparison.Ordinal);
    }
}
