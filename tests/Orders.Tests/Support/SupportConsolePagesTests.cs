using System.Net;
using System.Text.RegularExpressions;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Support;

// The console's pages as a browser and a screen reader get them: one frame, one heading, the
// page's language, the console's own stylesheet from this site, no cache, and staff's text encoded.
public sealed partial class SupportConsolePagesTests : ServiceTest
{
    [Fact]
    public async Task EveryConsolePageHasOneHeadingItsLanguageAndTheConsolesStyleSheetAndIsNotCached()
    {
        var order = await shop.PaidOrderAsync(app);
        using var admin = await SupportSession.AdminAsync(app);
        using var anonymous = SupportSession.Anonymous(app);
        var number = Uri.EscapeDataString(order.OrderNumber);
        var email = Uri.EscapeDataString("ada@example.com");
        string[] pages =
        [
            "/support", "/support?q=ada", $"/support/orders/{number}", $"/support/orders/{number}/email", $"/support/orders/{number}/licensee",
            $"/support/orders/{number}/revoke", $"/support/orders/{number}/refund", "/support/audit", "/support/customers",
            $"/support/customers?email={email}", $"/support/customers/erase?email={email}", "/support/notices", "/support/notices/new",
        ];

        foreach (var (session, path) in pages.Select(p => (admin, p)).Prepend((anonymous, "/support/sign-in")))
        {
            using var response = await session.Http.GetAsync(path);
            var html = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode}");
            Assert.True(response.Headers.CacheControl?.NoStore == true, $"{path} may be cached.");
            Assert.True(Headings().Count(html) == 1, $"{path} has {Headings().Count(html)} h1 headings.");
            Assert.Contains("<html lang=\"en\">", html, StringComparison.Ordinal);
            Assert.Matches(StyleSheet(), html);
            Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(" style=", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("http-equiv", html, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task TheConsolesStyleSheetIsServedFromThisSiteAndKeptForAYear()
    {
        using var anonymous = SupportSession.Anonymous(app);
        var href = StyleSheet().Match(await anonymous.PageAsync("/support/sign-in")).Groups["href"].Value;

        using var response = await anonymous.Http.GetAsync(WebUtility.HtmlDecode(href));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/css", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("public, max-age=31536000, immutable", response.Headers.CacheControl?.ToString());
        Assert.Contains(".badge", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhatStaffTypedIsShownAsTextNeverAsMarkup()
    {
        var order = await shop.PaidOrderAsync(app);
        using var admin = await SupportSession.AdminAsync(app);
        const string Note = "<script>alert('x')</script> & <b>bold</b>";

        using var added = await admin.PostFormAsync($"/support/orders/{order.OrderNumber}", $"/support/orders/{order.OrderNumber}/notes", new() { ["text"] = Note });
        Assert.Equal(HttpStatusCode.SeeOther, added.StatusCode);

        var page = await admin.PageAsync($"/support/orders/{order.OrderNumber}");
        Assert.DoesNotContain("<script>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>bold", page, StringComparison.Ordinal);
        Assert.Contains(Note, WebUtility.HtmlDecode(page), StringComparison.Ordinal);
    }

    [GeneratedRegex("<h1[ >]")]
    private static partial Regex Headings();

    [GeneratedRegex("<link rel=\"stylesheet\" href=\"(?<href>/assets/console\\.css\\?v=[0-9a-f]{12})\"")]
    private static partial Regex StyleSheet();
}
