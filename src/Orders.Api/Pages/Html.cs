using System.Net;

namespace Orders.Api.Pages;

// For the support console's hand-written pages (Support, Privacy's staff pages): every value
// HTML-encoded. The shop's pages are Razor components and encode by construction.
internal static class Html
{
    public static string E(string? value) => WebUtility.HtmlEncode(value ?? "");
}
