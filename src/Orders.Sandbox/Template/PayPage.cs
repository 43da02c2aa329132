using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Orders.Sandbox.Template;

// A provider's look: its name in two colours, its accent for the Pay button, the page background.
// The accent carries white button text and is text on white itself: at least 4.5:1 (WCAG AA) both ways.
internal sealed record PageTheme(string Brand, string BrandSuffix, string Ink, string Accent, string AccentHover, string Background);

// The hosted pages' one layout: server-rendered, no script, no external resources; every value
// shown goes through Encode. A provider writes only the body.
internal static class PayPage
{
    public static ContentHttpResult Render(HttpContext context, PageTheme theme, int statusCode, string title, string body)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'";
        return TypedResults.Content(
            $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex">
            <title>{{Encode(theme.Brand)}} Sandbox – {{Encode(title)}}</title>
            <style>
            body{margin:0;background:{{theme.Background}};color:#1c1e21;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
            main{max-width:32rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:10px;box-shadow:0 2px 12px rgba(0,0,0,.08)}
            .brand{margin:0 0 1rem;font-weight:700;color:{{theme.Ink}}}.brand span{color:{{theme.Accent}}}
            h1{font-size:1.4rem;margin:0 0 .5rem}h2{font-size:1.05rem;margin:1rem 0 .5rem}
            .note{background:#fff8e1;border-radius:6px;padding:.5rem .75rem;font-size:.9rem}
            table{width:100%;border-collapse:collapse;font-size:.95rem}th,td{text-align:left;padding:.35rem 0;border-bottom:1px solid #e3e6ea}
            th:nth-child(n+2),td:nth-child(n+2){text-align:right}
            .total{font-size:1.15rem;text-align:right}.currency{text-align:right;color:#5f6368;font-size:.85rem;margin-top:0}
            label{display:block;font-weight:600;margin:1rem 0 .25rem}
            input{box-sizing:border-box;width:100%;padding:.6rem;border:1px solid #8a9099;border-radius:6px;font:inherit}
            .error{color:#b00020}.buyer,.card,.licensee,.ref{color:#5f6368;font-size:.85rem}.ref{overflow-wrap:anywhere}
            .actions{display:flex;gap:.75rem;margin:1.5rem 0 .5rem}.actions>*{flex:1}
            button{width:100%;padding:.75rem;border:0;border-radius:6px;font:inherit;font-weight:700;cursor:pointer}
            .pay{background:{{theme.Accent}};color:#fff}.pay:hover{background:{{theme.AccentHover}}}
            .cancel{background:#e3e6ea;color:#1c1e21;box-shadow:inset 0 0 0 1px #8a9099}.cancel:hover{background:#d2d6db}
            </style>
            </head>
            <body>
            <main>
            <p class="brand">{{Encode(theme.Brand)}} <span>{{Encode(theme.BrandSuffix)}}</span></p>
            {{body}}
            </main>
            </body>
            </html>
            """,
            "text/html; charset=utf-8",
            statusCode: statusCode);
    }

    // A page that says one thing: a heading and a sentence, both encoded here, then any markup.
    public static ContentHttpResult Message(HttpContext context, PageTheme theme, int statusCode, string title, string heading, string text, string more = "") =>
        Render(context, theme, statusCode, title, $"<h1>{Encode(heading)}</h1><p>{Encode(text)}</p>{more}");

    // Where the provider sends the buyer next (303), or a page saying so when the merchant gave no URL.
    public static Results<SeeOtherHttpResult, ContentHttpResult> BackTo(string? url, Func<ContentHttpResult> page) =>
        url is not null ? new SeeOtherHttpResult(url) : page();

    // Pay and Cancel as two forms posting to {actions}/pay and {actions}/cancel (payForm: the form
    // the Pay button submits, when the page has its own, e.g. with an e-mail field).
    public static string Actions(string actions, string? payForm = null) =>
        "<div class=\"actions\">"
        + (payForm is null
            ? $"<form method=\"post\" action=\"{Encode(actions + "/pay")}\"><button type=\"submit\" class=\"pay\">Pay</button></form>"
            : $"<button type=\"submit\" form=\"{Encode(payForm)}\" class=\"pay\">Pay</button>")
        + $"<form method=\"post\" action=\"{Encode(actions + "/cancel")}\"><button type=\"submit\" class=\"cancel\">Cancel</button></form>"
        + "</div>";

    // A table: header cells, then rows of cells, every text encoded here.
    public static string Table(string[] headers, IEnumerable<string[]> rows) =>
        "<table><thead><tr>" + string.Concat(headers.Select(h => $"<th scope=\"col\">{Encode(h)}</th>")) + "</tr></thead><tbody>"
        + string.Concat(rows.Select(row => "<tr>" + string.Concat(row.Select(cell => $"<td>{Encode(cell)}</td>")) + "</tr>")) + "</tbody></table>";

    public static string Encode(string text) => HtmlEncoder.Default.Encode(text);

    // Keeps the URL's own query and fragment; adds with '?' or '&' as needed.
    public static string WithQuery(string url, params (string Name, string Value)[] parameters)
    {
        var hash = url.IndexOf('#', StringComparison.Ordinal);
        var (head, fragment) = hash >= 0 ? (url[..hash], url[hash..]) : (url, "");
        var separator = !head.Contains('?', StringComparison.Ordinal) ? "?" : head[^1] is '?' or '&' ? "" : "&";
        return head + separator + string.Join('&', parameters.Select(p => $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(p.Value)}")) + fragment;
    }
}

// 303 See Other: after the buyer's POST on a hosted page the browser must follow with a GET.
// (TypedResults.Redirect only offers 301/302/307/308.)
internal sealed class SeeOtherHttpResult(string location) : IResult, IStatusCodeHttpResult
{
    public int? StatusCode => StatusCodes.Status303SeeOther;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
        httpContext.Response.Headers[HeaderNames.Location] = location;
        return Task.CompletedTask;
    }
}
