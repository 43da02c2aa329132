using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using static Orders.Api.Pages.Html;

namespace Orders.Api.Support;

// The support console's page frame: a top bar with the signed-in user and sign-out, room for wide
// tables, and no-store so customer data stays out of caches. Plain HTML and CSS, no scripts:
// every page works without JavaScript.
internal static class SupportLayout
{
    public static ContentHttpResult Page(HttpContext context, string title, string body, int statusCode = 200, string? section = null)
    {
        // Framing, sniffing, referrer and script rules come from the site-wide security headers.
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Content(Layout(context, title, body, section), "text/html; charset=utf-8", Encoding.UTF8, statusCode);
    }

    // A form's hidden antiforgery field, bound to the current user.
    public static string AntiforgeryField(HttpContext context)
    {
        var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        return $"""<input type="hidden" name="{E(tokens.FormFieldName)}" value="{E(tokens.RequestToken)}">""";
    }

    public static string Time(DateTime utc) =>
        $"""<time datetime="{utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}">{utc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC</time>""";

    // With seconds: in a timeline, events a few seconds apart are the whole story.
    public static string PreciseTime(DateTime utc) =>
        $"""<time datetime="{utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}">{utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}</time>""";

    public static string Time(DateTime? utc) => utc is { } value ? Time(value) : """<span class="muted">—</span>""";

    // Status words become CSS classes, so only letters and dashes pass.
    public static string Badge(string status) =>
        $"""<span class="badge s-{new string([.. status.Where(c => char.IsAsciiLetterLower(c) || c == '-')])}">{E(status)}</span>""";

    public static string OrderLink(string orderNumber) =>
        $"""<a class="mono" href="/support/orders/{Uri.EscapeDataString(orderNumber)}">{E(orderNumber)}</a>""";

    private static string Layout(HttpContext context, string title, string body, string? section)
    {
        var staff = StaffMember.TryFrom(context.User);
        var bar = "";
        if (staff is not null)
        {
            string Link(string href, string text, string key) =>
                $"""<a href="{href}"{(section == key ? " aria-current=\"page\"" : "")}>{text}</a>""";
            var adminLinks = staff.IsAdmin
                ? Link("/support/customers", "Customer data", "customers") + Link("/support/notices", "Privacy notices", "notices")
                  + Link("/support/audit", "Audit log", "audit") + Link("/hangfire", "Jobs", "jobs")
                : "";
            bar = $"""
                <nav aria-label="Support">{Link("/support", "Find an order", "search")}{adminLinks}</nav>
                <div class="who">
                  <span>Signed in as <strong data-testid="staff-user">{E(staff.Username)}</strong> <span class="role">{E(staff.Role)}</span></span>
                  <form method="post" action="/support/sign-out">{AntiforgeryField(context)}<button type="submit" class="link">Sign out</button></form>
                </div>
                """;
        }

        return $$"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex">
            <title>{{E(title)}} · Orders support</title>
            <style>
              :root { --ink: #1f2328; --muted: #5b6570; --line: #d8dee4; --bg: #f4f6f8; --accent: #0b57d0; --danger: #b3261e; }
              * { box-sizing: border-box }
              body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg) }
              a { color: var(--accent) }
              header.bar { background: #1d2736; color: #fff; display: flex; align-items: center; gap: 2rem; padding: .55rem 1.5rem; flex-wrap: wrap }
              header.bar .brand { color: #fff; font-weight: 700; text-decoration: none; letter-spacing: .01em }
              header.bar .brand span { font-weight: 400; color: #9fb3c8 }
              header.bar nav { display: flex; gap: 1.25rem }
              header.bar nav a { color: #dbe5f0; text-decoration: none; padding: .2rem 0; border-bottom: 2px solid transparent }
              header.bar nav a[aria-current] { color: #fff; border-bottom-color: #7fb0ff }
              header.bar .who { margin-left: auto; display: flex; align-items: center; gap: .9rem; color: #c4d0dc }
              header.bar .who strong { color: #fff }
              .role { font-size: .75rem; text-transform: uppercase; letter-spacing: .05em; background: #34445a; color: #dbe5f0; border-radius: 4px; padding: .05rem .4rem; margin-left: .25rem }
              header.bar form { margin: 0 }
              button.link { background: none; border: 1px solid #4b5d75; color: #fff; padding: .25rem .75rem; border-radius: 6px; font: inherit; cursor: pointer }
              main { max-width: 78rem; margin: 1.5rem auto 3rem; padding: 0 1.5rem }
              h1 { font-size: 1.55rem; margin: .25rem 0 .35rem; display: flex; align-items: center; gap: .75rem; flex-wrap: wrap }
              h2 { font-size: 1.05rem; margin: 0 0 .75rem }
              .lead { color: var(--muted); margin: 0 0 1.25rem }
              .crumbs { margin: 0 0 .5rem; font-size: .9rem }
              .card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.25rem; margin-bottom: 1rem }
              .grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 0 1rem }
              dl { display: grid; grid-template-columns: 11rem 1fr; gap: .35rem .75rem; margin: 0 }
              dt { color: var(--muted) }
              dd { margin: 0; overflow-wrap: anywhere }
              table { width: 100%; border-collapse: collapse }
              th, td { text-align: left; padding: .5rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top }
              th { font-size: .75rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600 }
              tbody tr:last-child td { border-bottom: 0 }
              tbody tr:hover { background: #f6f9fe }
              td.num, th.num { text-align: right; white-space: nowrap }
              .nowrap { white-space: nowrap }
              .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88em }
              .muted { color: var(--muted) }
              .small { font-size: .85rem }
              .badge { display: inline-block; padding: .1rem .6rem; border-radius: 999px; font-size: .8rem; font-weight: 600; background: #eaeef2; color: #424a53; white-space: nowrap; vertical-align: middle }
              .badge.s-paid, .badge.s-active, .badge.s-sent, .badge.s-accepted { background: #dafbe1; color: #116329 }
              .badge.s-pending, .badge.s-sending { background: #fff8c5; color: #7d4e00 }
              .badge.s-review { background: #ffe7d1; color: #953800 }
              .badge.s-refunded, .badge.s-reversed, .badge.s-revoked, .badge.s-failed, .badge.s-declined { background: #ffebe9; color: #a40e26 }
              .badge.exact { background: #ddf4ff; color: #0a3069 }
              label { font-weight: 600; display: block; margin: .75rem 0 .3rem }
              input[type=text], input[type=search], input[type=password], textarea, select { font: inherit; width: 100%; padding: .55rem .7rem; border: 1px solid #b9c3cd; border-radius: 6px; background: #fff }
              textarea { min-height: 5rem }
              input:focus, textarea:focus, select:focus, button:focus-visible, a:focus-visible { outline: 3px solid #a8c7fa; outline-offset: 1px }
              .searchbox { display: flex; gap: .6rem }
              .searchbox input { font-size: 1.1rem; padding: .7rem .9rem }
              button, .button { font: inherit; font-weight: 600; display: inline-block; padding: .55rem 1.1rem; border-radius: 6px; border: 1px solid transparent; background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; line-height: 1.4 }
              .button.secondary, button.secondary { background: #fff; color: var(--ink); border-color: #b9c3cd }
              .button.danger, button.danger { background: var(--danger) }
              .button.danger-outline { background: #fff; color: var(--danger); border-color: #e3a8a3 }
              button[disabled] { background: #d0d7de; color: #57606a; cursor: not-allowed }
              .actions { display: flex; gap: .6rem; flex-wrap: wrap; align-items: center }
              .actions form { margin: 0 }
              .notice { padding: .75rem 1rem; border-radius: 8px; margin-bottom: 1rem; border: 1px solid }
              .notice.ok { background: #dafbe1; border-color: #aceebb; color: #0f4a21 }
              .notice.error { background: #ffebe9; border-color: #ffcecb; color: #82071e }
              .notice.warn { background: #fff8c5; border-color: #eed888; color: #5c3b00 }
              .field-error { color: var(--danger); margin-top: .3rem }
              details summary { cursor: pointer; color: var(--accent) }
              .key { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .8rem; word-break: break-all; background: #f6f8fa; border: 1px solid var(--line); padding: .5rem .65rem; border-radius: 6px; margin: .4rem 0 0 }
              .timeline { list-style: none; margin: 0; padding: 0 }
              .timeline li { display: grid; grid-template-columns: 9.5rem 1rem 1fr; gap: .75rem; padding: .45rem 0; border-bottom: 1px dashed #e5e9ee }
              .timeline li:last-child { border-bottom: 0 }
              .timeline time { color: var(--muted); font-size: .88rem; white-space: nowrap }
              .dot { width: .8rem; height: .8rem; border-radius: 50%; margin-top: .3rem; background: #8c959f }
              .src-provider .dot { background: #0b57d0 } .src-staff .dot { background: #8250df } .src-mail .dot { background: #1a7f37 } .src-license .dot { background: #bf8700 } .src-order .dot { background: #1d2736 }
              .source { font-size: .72rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin-left: .4rem }
              .signin { max-width: 26rem; margin: 4rem auto }
              .signin button { width: 100%; margin-top: 1.25rem; padding: .7rem }
              .empty { text-align: center; padding: 2rem 1rem; color: var(--muted) }
              .filters { display: grid; grid-template-columns: repeat(3, minmax(8rem, 1fr)) auto; gap: .75rem; align-items: end }
              @media (max-width: 48rem) { .filters { grid-template-columns: 1fr } }
              .filters label { margin-top: 0 }
              .pager { margin-top: 1rem }
            </style>
            </head>
            <body>
            <header class="bar"><a class="brand" href="/support">Orders <span>support</span></a>{{bar}}</header>
            <main>
            {{body}}
            </main>
            </body>
            </html>
            """;
    }
}
