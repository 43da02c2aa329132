using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orders.Api.Support;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Support;

public sealed class SupportNoteTests : ServiceTest
{
    [Fact]
    public async Task StaffAddNotesThatTheOrderShowsAndTheAuditLogRecordsWithoutTheirText()
    {
        var order = await shop.PaidOrderAsync(app);
        using var support = await SupportSession.SupportAsync(app);

        using (var added = await support.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/notes", new { text = "Customer called: wants an invoice in March." }))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
            Assert.Equal("sam", (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("author").GetString());
        }

        using (var viaPage = await support.PostFormAsync($"/support/orders/{order.OrderNumber}", $"/support/orders/{order.OrderNumber}/notes",
            new() { ["text"] = "Sent the invoice <by post>." }))
        {
            Assert.Equal(HttpStatusCode.SeeOther, viaPage.StatusCode);
            Assert.EndsWith("notice=note-added", viaPage.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        var notes = (await support.OrderAsync(order.OrderNumber)).GetProperty("notes").EnumerateArray().Select(n => n.GetProperty("text").GetString()).ToList();
        Assert.Equal(["Customer called: wants an invoice in March.", "Sent the invoice <by post>."], notes);
        var page = await support.PageAsync($"/support/orders/{order.OrderNumber}");
        Assert.Contains("Sent the invoice &lt;by post&gt;.", page, StringComparison.Ordinal);
        Assert.Equal(2, page.Split("data-testid=\"note\"").Length - 1);

        // Never the customer's: their order page does not show it.
        var customerView = await shop.Http.GetStringAsync($"/api/orders/{order.OrderNumber}?token={Uri.EscapeDataString(order.Checkout.Token)}");
        Assert.DoesNotContain("invoice", customerView, StringComparison.Ordinal);

        using var admin = await SupportSession.AdminAsync(app);
        var audits = await admin.AuditAsync(orderNumber: order.OrderNumber, action: AuditActions.NoteAdded);
        Assert.Equal(2, audits.Count);
        Assert.All(audits, a => Assert.DoesNotContain("invoice", a.GetProperty("detail").GetString()!, StringComparison.Ordinal));
        Assert.Matches(@"^note #\d+ \(43 characters\)$", audits[^1].GetProperty("detail").GetString()!);
    }

    [Theory]
    [InlineData("")]
    [InlineData("card 4111 1111 1111 1111 for the refund")]
    public async Task ANoteThatIsEmptyTooLongOrHoldsACardNumberIsRefused(string text)
    {
        var order = await shop.PaidOrderAsync(app);
        using var support = await SupportSession.SupportAsync(app);

        using var response = await support.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/notes", new { text });
        using var tooLong = await support.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/notes", new { text = new string('a', OrderNotes.MaxLength + 1) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Empty((await support.OrderAsync(order.OrderNumber)).GetProperty("notes").EnumerateArray());
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM order_notes"));
    }

    [Fact]
    public async Task NotesArePartOfTheCustomersExportAndGoneAfterErasure()
    {
        var order = await shop.PaidOrderAsync(app, email: "noted@example.com");
        var other = await shop.PaidOrderAsync(app, email: "someone.else@example.com");
        using var admin = await SupportSession.AdminAsync(app);
        (await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/notes", new { text = "Asked for a second seat." })).Dispose();
        (await admin.PostJsonAsync($"/api/support/orders/{other.OrderNumber}/notes", new { text = "Another customer's note." })).Dispose();

        var export = await admin.GetJsonAsync("/api/support/customers/export?email=noted%40example.com");
        var exported = Assert.Single(export.GetProperty("orders").EnumerateArray());
        var note = Assert.Single(exported.GetProperty("staffNotes").EnumerateArray());
        Assert.Equal("Asked for a second seat.", note.GetProperty("text").GetString());
        Assert.Equal("alice", note.GetProperty("author").GetString());

        using (var erased = await admin.PostJsonAsync("/api/support/customers/erase", new { email = "noted@example.com" }))
        {
            Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        }

        Assert.Empty((await admin.OrderAsync(order.OrderNumber)).GetProperty("notes").EnumerateArray());
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM order_notes WHERE body LIKE '%second seat%'"));
        Assert.Single((await admin.OrderAsync(other.OrderNumber)).GetProperty("notes").EnumerateArray());

        // Nothing new is kept about an erased customer.
        using var after = await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/notes", new { text = "Called again." });
        Assert.Equal(HttpStatusCode.Conflict, after.StatusCode);
    }
}
