using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Api.Hosting;
using Orders.Api.Payments;
using static Orders.Api.Pages.Html;
using static Orders.Api.Support.SupportLayout;

namespace Orders.Api.Support;

// The support console's pages: sign-in, one search box over the recent orders, the order with its
// timeline, notes and actions, a page each for the corrections (address, licensee name),
// confirmation steps for revoke and refund, and the audit log. They call the same services as the
// JSON API. Every form carries an antiforgery token; after a change the browser is sent back to
// the order (303), so a reload never repeats it.
internal static class SupportPages
{
    // Form models are classes with settable properties: a field the browser leaves out is null
    // rather than a binding error (and a form with no fields but the token binds as null).
    internal sealed class SignInForm
    {
        public string? Username { get; set; }
        public string? Password { get; set; }
        public string? ReturnUrl { get; set; }
    }

    internal sealed class SignOutForm
    {
        public string? ReturnUrl { get; set; }
    }

    internal sealed class ResendForm
    {
        public string? RequestId { get; set; }
    }

    internal sealed class ReasonForm
    {
        public string? Reason { get; set; }
    }

    internal sealed class NoteForm
    {
        public string? Text { get; set; }
    }

    internal sealed class CorrectionForm
    {
        public string? Value { get; set; }
    }

    internal sealed class RefundForm
    {
        public string? Reason { get; set; }

        public string? Amount { get; set; }
    }

    public static IEndpointRouteBuilder MapSupportPages(this IEndpointRouteBuilder app)
    {
        var anonymous = app.MapGroup("/support").WithTags("Support pages").ExcludeFromDescription().AllowAnonymous();
        anonymous.MapGet("/sign-in", SignInPage);
        // SignInThrottle slows guessing per username and network; this limit caps any one address.
        anonymous.MapPost("/sign-in", SignIn).RequireRateLimiting(RateLimits.SignIn);

        var staff = app.MapGroup("/support").WithTags("Support pages").ExcludeFromDescription().RequireAuthorization(SupportPolicies.Staff);
        staff.MapPost("/sign-out", SignOut);
        staff.MapGet("", SearchPage);
        staff.MapGet("/orders/{orderNumber}", OrderPage);
        staff.MapPost("/orders/{orderNumber}/resend", Resend);
        staff.MapPost("/orders/{orderNumber}/notes", AddNote);
        staff.MapGet("/orders/{orderNumber}/email", (string orderNumber, HttpContext context, SupportOrders orders, CancellationToken ct) =>
            CorrectionPage(orderNumber, Corrections.Email, context, orders, ct));
        staff.MapPost("/orders/{orderNumber}/email", (string orderNumber, [FromForm] CorrectionForm? form, HttpContext context, OrderCorrections corrections, SupportOrders orders, CancellationToken ct) =>
            Correct(orderNumber, Corrections.Email, form, context, corrections, orders, ct));

        var admin = staff.MapGroup("").RequireAuthorization(SupportPolicies.Admin);
        admin.MapGet("/orders/{orderNumber}/licensee", (string orderNumber, HttpContext context, SupportOrders orders, CancellationToken ct) =>
            CorrectionPage(orderNumber, Corrections.Licensee, context, orders, ct));
        admin.MapPost("/orders/{orderNumber}/licensee", (string orderNumber, [FromForm] CorrectionForm? form, HttpContext context, OrderCorrections corrections, SupportOrders orders, CancellationToken ct) =>
            Correct(orderNumber, Corrections.Licensee, form, context, corrections, orders, ct));
        admin.MapGet("/orders/{orderNumber}/revoke", RevokePage);
        admin.MapPost("/orders/{orderNumber}/revoke", Revoke);
        admin.MapGet("/orders/{orderNumber}/refund", RefundPage);
        admin.MapPost("/orders/{orderNumber}/refund", Refund);
        admin.MapGet("/audit", AuditPage);
        return app;
    }

    // Written by the cookie handler when a signed-in user asks for an admin page.
    public static Task ForbiddenAsync(HttpContext context) =>
        Page(context, "Not allowed", """
            <div class="card">
            <h1>Not allowed</h1>
            <p>This part of the support console is for admins. Ask an admin if a license needs revoking or an order refunding.</p>
            <p><a href="/support">Back to the search</a></p>
            </div>
            """, StatusCodes.Status403Forbidden).ExecuteAsync(context);

    // --- Sign-in and sign-out -------------------------------------------------------------------

    private static Results<ContentHttpResult, SeeOtherResult> SignInPage(HttpContext context, string? returnUrl, string? signedOut)
    {
        if (StaffMember.TryFrom(context.User) is not null)
        {
            return new SeeOtherResult(SafeReturnUrl(returnUrl));
        }

        var notice = signedOut is null ? null : "You are signed out.";
        return SignInFormPage(context, returnUrl, null, notice, null, StatusCodes.Status200OK);
    }

    private static async Task<Results<ContentHttpResult, SeeOtherResult>> SignIn([FromForm] SignInForm? form, HttpContext context, StaffSignIn signIn, CancellationToken ct)
    {
        // Decided before anything is written: a return address that cannot be sent must not fail
        // the request after the session was started and audited.
        var target = SafeReturnUrl(form?.ReturnUrl);
        var outcome = await signIn.SignInAsync(form?.Username, form?.Password, context.Connection.RemoteIpAddress, ct);
        switch (outcome)
        {
            case SignInOutcome.Succeeded succeeded:
                // Signing in over an open session replaces it: the old one ends rather than idles out.
                if (StaffSessions.SessionIdOf(context.User) is { } previous)
                {
                    await context.RequestServices.GetRequiredService<StaffSessions>().EndAsync(previous, ct);
                }

                await context.SignInAsync(SupportAuthentication.Scheme, succeeded.CookiePrincipal, new AuthenticationProperties { IsPersistent = false });
                return new SeeOtherResult(target);
            case SignInOutcome.Throttled throttled:
                var seconds = Math.Max(1, (int)Math.Ceiling(throttled.RetryAfter.TotalSeconds));
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return SignInFormPage(context, form?.ReturnUrl, form?.Username, null,
                    $"Too many failed sign-ins for this username or from this network. Wait {Duration(seconds)} and try again.",
                    StatusCodes.Status429TooManyRequests);
            case SignInOutcome.Disabled:
                return SignInFormPage(context, form?.ReturnUrl, form?.Username, null, "This account is disabled. Ask an admin to enable it.", StatusCodes.Status400BadRequest);
            case SignInOutcome.Failed:
                return SignInFormPage(context, form?.ReturnUrl, form?.Username, null, "Wrong username or password.", StatusCodes.Status400BadRequest);
            default:
                throw new InvalidOperationException($"Unhandled sign-in outcome {outcome.GetType().Name}.");
        }
    }

    private static string Duration(int seconds) =>
        seconds < 90 ? $"{seconds} seconds" : $"{(int)Math.Ceiling(seconds / 60.0)} minutes";

    private static ContentHttpResult SignInFormPage(HttpContext context, string? returnUrl, string? username, string? notice, string? error, int statusCode) =>
        Page(context, "Sign in", $"""
            <div class="signin card">
            <h1>Support sign-in</h1>
            <p class="muted">For the shop's support staff. Every lookup and change is recorded.</p>
            {(notice is null ? "" : $"""<div class="notice ok" role="status">{E(notice)}</div>""")}
            {(error is null ? "" : $"""<div class="notice error" role="alert" data-testid="sign-in-error">{E(error)}</div>""")}
            <form method="post" action="/support/sign-in">
              {AntiforgeryField(context)}
              <input type="hidden" name="returnUrl" value="{E(SafeReturnUrl(returnUrl))}">
              <label for="username">Username</label>
              <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required{(string.IsNullOrEmpty(username) ? " autofocus" : "")} value="{E(username)}">
              <label for="password">Password</label>
              <input id="password" name="password" type="password" autocomplete="current-password" required{(string.IsNullOrEmpty(username) ? "" : " autofocus")}>
              <button type="submit">Sign in</button>
            </form>
            </div>
            """, statusCode);

    private static async Task<SeeOtherResult> SignOut([FromForm] SignOutForm? form, HttpContext context, AuditLog audit, StaffSessions sessions, CancellationToken ct)
    {
        // Ending the row is what signs out: every copy of the cookie stops working with it.
        if (StaffSessions.SessionIdOf(context.User) is { } sessionId)
        {
            await sessions.EndAsync(sessionId, ct);
        }

        if (StaffMember.TryFrom(context.User) is { } staff)
        {
            await audit.WriteAsync(staff, AuditActions.SignedOut, null, null, null, ct);
        }

        await context.SignOutAsync(SupportAuthentication.Scheme);
        return new SeeOtherResult("/support/sign-in?signedOut=1");
    }

    // Only a path on this site, never an open redirect to somewhere else; percent-encoded where it
    // is not plain ASCII (a Location header must be), so "/support/orders/ÄÖ" works as typed.
    internal static string SafeReturnUrl(string? returnUrl)
    {
        const string Fallback = "/support";
        if (returnUrl is not { Length: > 1 and <= 2048 } url || url[0] != '/' || url[1] == '/')
        {
            return Fallback;
        }

        var encoded = new StringBuilder(url.Length);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in url.EnumerateRunes())
        {
            // Browsers read a backslash as a slash ("/\evil.example" is another site).
            if (rune.Value == '\\' || Rune.IsControl(rune))
            {
                return Fallback;
            }

            if (rune.IsAscii && rune.Value != ' ')
            {
                encoded.Append((char)rune.Value);
                continue;
            }

            foreach (var b in utf8[..rune.EncodeToUtf8(utf8)])
            {
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }

    // --- Search ---------------------------------------------------------------------------------

    private static async Task<ContentHttpResult> SearchPage(string? q, string? status, string? provider, string? from, string? to, string? page,
        HttpContext context, OrderSearch search, RecentOrders recent, CancellationToken ct)
    {
        var query = q?.Trim() ?? "";
        string results;
        var code = StatusCodes.Status200OK;
        if (query.Length == 0)
        {
            var pageNumber = int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : page is null ? 1 : 0;
            var errors = RecentOrders.Validate(status, provider, from, to, pageNumber, out var filter);
            results = $"""
                <div class="card empty">
                <p>Ask the customer for any one of: the <strong>e-mail address</strong> they bought with, the <strong>name on the license</strong>, the <strong>order number</strong> (ORD-…),
                their <strong>license key</strong>, or the <strong>PayPal transaction id</strong> from their PayPal receipt.</p>
                </div>
                {RecentOrdersSection(status, provider, from, to, errors, errors is null ? await recent.ListAsync(StaffMember.From(context.User), filter, ct) : null)}
                """;
            code = errors is null ? code : StatusCodes.Status400BadRequest;
        }
        else if (query.Length > OrderSearch.MaxQueryLength)
        {
            results = $"""<div class="notice error" role="alert">That is too long to search for (at most {OrderSearch.MaxQueryLength} characters).</div>""";
            code = StatusCodes.Status400BadRequest;
        }
        else
        {
            var found = await search.SearchAsync(StaffMember.From(context.User), query, ct);
            results = ResultsTable(found);
        }

        return Page(context, query.Length == 0 ? "Find an order" : "Search results", $"""
            <form method="get" action="/support" role="search" class="card">
              <label for="q">Find an order</label>
              <div class="searchbox">
                <input id="q" name="q" type="search" value="{E(query.Length > OrderSearch.MaxQueryLength ? "" : query)}" autofocus autocomplete="off" spellcheck="false"
                       placeholder="E-mail, licensee name, order number, license key, PayPal order or capture id">
                <button type="submit">Search</button>
              </div>
            </form>
            {results}
            """, code, "search");
    }

    // The newest orders under the search box, with their filters and pages.
    private static string RecentOrdersSection(string? status, string? provider, string? from, string? to, Dictionary<string, string[]>? errors, OrderListView? list)
    {
        static string Options(IEnumerable<(string Value, string Label)> choices, string? selected) =>
            """<option value="">any</option>""" + string.Concat(choices.Select(c =>
                $"""<option value="{E(c.Value)}"{(c.Value == selected ? " selected" : "")}>{E(c.Label)}</option>"""));

        var filters = $"""
            <form method="get" action="/support" class="card filters" aria-label="Filter the recent orders">
              <div><label for="status">Status</label><select id="status" name="status">{Options(Orders.OrderStatus.All.Select(s => (s, s)), status)}</select></div>
              <div><label for="provider">Provider</label><select id="provider" name="provider">{Options(RecentOrders.Providers.Select(p => (p, ProviderLabels.Name(p))), provider)}</select></div>
              <div><label for="from">Placed from (UTC)</label><input id="from" name="from" type="date" value="{E(from)}"></div>
              <div><label for="to">to</label><input id="to" name="to" type="date" value="{E(to)}"></div>
              <div><button type="submit">Show</button></div>
            </form>
            """;
        if (errors is not null || list is null)
        {
            var problems = errors is null ? [] : errors.Values.SelectMany(v => v);
            return $"""{filters}<div class="notice error" role="alert" data-testid="list-error">{E(string.Join(" ", problems))}</div>""";
        }

        var rows = list.Orders.Count == 0
            ? """<tr><td colspan="7" class="empty">No orders.</td></tr>"""
            : string.Concat(list.Orders.Select(o => $"""
                <tr data-testid="recent-order">
                  <td>{OrderLink(o.OrderNumber)}</td>
                  <td class="nowrap">{Time(o.CreatedAt)}</td>
                  <td>{Badge(o.Status)}</td>
                  <td>{E(o.ProductName)}{(o.Quantity > 1 ? $" × {o.Quantity}" : "")}</td>
                  <td class="num">{E(Money.Format(o.TotalMinor, o.Currency))}</td>
                  <td>{E(o.Email)}<div class="muted small">{E(o.LicenseeName)}</div></td>
                  <td>{E(ProviderLabels.Name(o.Provider))}</td>
                </tr>
                """));
        string PageLink(int number, string label) =>
            $"""<a href="/support?{E(Query(("status", status), ("provider", provider), ("from", from), ("to", to), ("page", number.ToString(CultureInfo.InvariantCulture))))}">{label}</a>""";
        var pager = (list.Page > 1 ? PageLink(list.Page - 1, "← Newer") : "")
            + (list.HasMore && list.Page < RecentOrders.MaxPage ? " " + PageLink(list.Page + 1, "Older →") : "");
        return $"""
            {filters}
            <section class="card" aria-label="Recent orders">
            <h2>Recent orders <span class="muted small">(page {list.Page})</span></h2>
            <table>
            <thead><tr><th>Order</th><th>Placed</th><th>Status</th><th>Product</th><th class="num">Total</th><th>Customer</th><th>Provider</th></tr></thead>
            <tbody>{rows}</tbody>
            </table>
            {(pager.Length == 0 ? "" : $"""<p class="pager">{pager}</p>""")}
            </section>
            """;
    }

    private static string ResultsTable(OrderSearchResult found)
    {
        var hint = found.Hint is null ? "" : $"""<div class="notice warn" role="status" data-testid="search-hint">{E(found.Hint)}</div>""";
        if (found.Orders.Count == 0)
        {
            return hint;
        }

        var rows = string.Concat(found.Orders.Select(o => $"""
            <tr data-testid="search-result">
              <td>{OrderLink(o.OrderNumber)}</td>
              <td class="nowrap">{Time(o.CreatedAt)}</td>
              <td>{Badge(o.Status)}</td>
              <td>{E(o.ProductName)}{(o.Quantity > 1 ? $" × {o.Quantity}" : "")}</td>
              <td class="num">{E(Money.Format(o.TotalMinor, o.Currency))}</td>
              <td>{E(o.Email)}<div class="muted small">{E(o.LicenseeName)}</div></td>
              <td>{E(ProviderLabels.Name(o.Provider))}</td>
              <td>{(o.Exact ? $"""<span class="badge exact">{E(o.MatchedBy)}</span>""" : $"""<span class="muted small">{E(o.MatchedBy)}</span>""")}</td>
            </tr>
            """));
        var more = found.Truncated
            ? $"""<p class="muted small">Showing the first {OrderSearch.MaxResults} orders; search for something more specific to narrow it down.</p>"""
            : "";
        return $"""
            {hint}
            <section class="card" aria-label="Results">
            <h2>{found.Orders.Count} order{(found.Orders.Count == 1 ? "" : "s")}</h2>
            <table>
            <thead><tr><th>Order</th><th>Placed</th><th>Status</th><th>Product</th><th class="num">Total</th><th>Customer</th><th>Provider</th><th>Matched by</th></tr></thead>
            <tbody>{rows}</tbody>
            </table>
            {more}
            </section>
            """;
    }

    // --- The order ------------------------------------------------------------------------------

    private static async Task<ContentHttpResult> OrderPage(string orderNumber, string? notice, string? error, HttpContext context, SupportOrders orders, CancellationToken ct)
    {
        var view = await orders.ViewAsync(StaffMember.From(context.User), orderNumber, ct);
        return view is null ? OrderNotFound(context, orderNumber) : Page(context, $"Order {view.OrderNumber}", OrderBody(context, view, notice, error), section: "search");
    }

    private static ContentHttpResult OrderNotFound(HttpContext context, string orderNumber) =>
        Page(context, "Order not found", $"""
            <div class="card">
            <h1>Order not found</h1>
            <p>No order has the number <span class="mono">{E(orderNumber)}</span>.</p>
            <p><a href="/support">Search again</a></p>
            </div>
            """, StatusCodes.Status404NotFound, "search");

    private static string OrderBody(HttpContext context, SupportOrderView o, string? notice, string? error, string? noteText = null, string? noteError = null)
    {
        var number = Uri.EscapeDataString(o.OrderNumber);
        var provider = ProviderLabels.Name(o.Provider);
        var noticeText = notice switch
        {
            "resent" => "The license e-mail is on its way to the customer's address on this order.",
            "note-added" => "The note is added.",
            "email-changed" => "The e-mail address is changed. If the order has a license, its e-mail is on its way to the new address.",
            "licensee-corrected" => "The licensee name is corrected. The old license is revoked, and a new key with the corrected name is on its way to the customer.",
            "revoked" => "The license is revoked. Unsent license e-mails for this order were canceled.",
            "refunded" => $"Refunded through {provider}. The order is refunded and its license revoked.",
            "partly-refunded" => $"Part of the order was refunded through {provider}. The order stays paid and its license active; the rest can still be refunded.",
            "refund-pending" => $"{provider} accepted the refund but has not completed it yet; the order changes when {provider} confirms it.",
            _ => null,
        };
        var errorText = error switch
        {
            "no-active-license" => "This order has no active license any more, so nothing was sent or revoked.",
            "erased" => SupportOrders.ErasedResendProblem,
            _ => null,
        };

        var actions = o.Actions;
        var resend = actions.CanResend
            ? $"""
                <form method="post" action="/support/orders/{number}/resend">
                  {AntiforgeryField(context)}
                  <input type="hidden" name="requestId" value="{Guid.NewGuid():N}">
                  <button type="submit">Resend license e-mail</button>
                </form>
                <span class="muted small">to {E(o.Email)}, the address on the order</span>
                """
            : """<button type="button" disabled>Resend license e-mail</button>""";
        var staff = StaffMember.From(context.User);
        var corrections = o.ErasedAt is not null ? "" :
            $"""<a class="button secondary" href="/support/orders/{number}/email">Change e-mail…</a>"""
            + (staff.IsAdmin ? $"""<a class="button secondary" href="/support/orders/{number}/licensee">Correct licensee name…</a>""" : "");
        var adminButtons = corrections + (!staff.IsAdmin ? "" :
            (actions.CanRevoke ? $"""<a class="button danger-outline" href="/support/orders/{number}/revoke">Revoke license…</a>""" : "")
            + (actions.CanRefund ? $"""<a class="button danger-outline" href="/support/orders/{number}/refund">Refund…</a>""" : ""));
        var why = new List<string>();
        if (actions.ResendUnavailable is { } r)
        {
            why.Add("Resend: " + r);
        }

        if (staff.IsAdmin && actions.RefundUnavailable is { } f && o.Provider != "avangate")
        {
            why.Add("Refund: " + f);
        }

        var resellerRefund = o.Provider == "avangate"
            ? $"""<p class="small" style="margin:.6rem 0 0" data-testid="reseller-refund">{E(SupportOrders.ResellerRefundNote)}</p>"""
            : "";

        var licenses = o.Licenses.Count == 0
            ? """<p class="muted">No license yet: one is issued when the payment is confirmed.</p>"""
            : $"""
                <table>
                <thead><tr><th>Line</th><th>License key</th><th class="num">Seats</th><th>Status</th><th>Issued</th><th>Revoked</th></tr></thead>
                <tbody>{string.Concat(o.Licenses.Select(l => $"""
                    <tr>
                      <td>{l.LineNo}</td>
                      <td><span class="mono">{E(Abbreviate(l.Key))}</span>
                          <details><summary>Show the whole key</summary><p class="key" data-testid="license-key">{E(l.Key)}</p></details></td>
                      <td class="num">{l.Seats}</td>
                      <td>{Badge(l.Status)}</td>
                      <td class="nowrap">{Time(l.IssuedAt)}</td>
                      <td>{(l.RevokedAt is null ? """<span class="muted">—</span>""" : $"{Time(l.RevokedAt)}<div class=\"muted small\">{E(l.RevokeReason)}</div>")}</td>
                    </tr>
                    """))}</tbody>
                </table>
                """;

        var deliveries = o.Deliveries.Count == 0
            ? """<p class="muted">No e-mails yet.</p>"""
            : $"""
                <table>
                <thead><tr><th>#</th><th>Kind</th><th>To</th><th>Status</th><th class="num">Attempts</th><th>Queued</th><th>Sent</th><th>Last error</th></tr></thead>
                <tbody>{string.Concat(o.Deliveries.Select(d => $"""
                    <tr data-testid="delivery">
                      <td>{d.Id}</td>
                      <td>{d.Kind switch { "resend" => "resent by staff", "privacy-notice" => "privacy notice", _ => "license" }}</td>
                      <td>{E(d.ToAddress)}</td>
                      <td>{Badge(d.Status)}</td>
                      <td class="num">{d.Attempts}</td>
                      <td class="nowrap">{Time(d.CreatedAt)}</td>
                      <td class="nowrap">{Time(d.SentAt)}</td>
                      <td>{(d.LastError is null ? "" : $"<span class=\"small\">{E(d.LastError)}</span>")}</td>
                    </tr>
                    """))}</tbody>
                </table>
                """;

        var timeline = string.Concat(o.Timeline.Select(t => $"""
            <li class="src-{E(t.Source)}">
              {PreciseTime(t.At)}
              <span class="dot" aria-hidden="true"></span>
              <div><strong>{E(t.Title)}</strong><span class="source">{E(t.Source)}</span>{(t.Actor is null ? "" : $" <span class=\"muted\">by {E(t.Actor)}</span>")}
                {(t.Detail is null ? "" : $"<div class=\"muted small\">{E(t.Detail)}</div>")}</div>
            </li>
            """));

        return $"""
            <p class="crumbs"><a href="/support">← Find another order</a></p>
            {(noticeText is null ? "" : $"""<div class="notice ok" role="status" data-testid="notice">{E(noticeText)}</div>""")}
            {(errorText is null ? "" : $"""<div class="notice error" role="alert">{E(errorText)}</div>""")}
            <h1>Order <span class="mono">{E(o.OrderNumber)}</span> <span data-testid="order-status">{Badge(o.Status)}</span></h1>
            {(o.ErasedAt is { } erasedAt ? $"""<div class="notice warn" role="status" data-testid="erased">The customer's personal data on this order was erased {Time(erasedAt)}. The order stays for bookkeeping; its license stays valid; nothing can be sent to it.</div>""" : "")}
            <p class="lead">{E(o.ProductName)}{(o.Quantity > 1 ? $" × {o.Quantity}" : "")} · <strong>{E(Money.Format(o.TotalMinor, o.Currency))}</strong> · {E(provider)} · placed {Time(o.CreatedAt)}</p>
            <section class="card" aria-label="Actions">
              <div class="actions">{resend}{adminButtons}</div>
              {(why.Count == 0 ? "" : $"""<p class="muted small" style="margin:.6rem 0 0">{E(string.Join("  ·  ", why))}</p>""")}
              {resellerRefund}
            </section>
            <div class="grid2">
              <section class="card" aria-label="Customer">
                <h2>Customer</h2>
                <dl>
                  <dt>E-mail</dt><dd data-testid="customer-email">{E(o.Email)}</dd>
                  <dt>Licensee</dt><dd>{E(o.LicenseeName)}</dd>
                  <dt>Product</dt><dd>{E(o.ProductName)} <span class="muted mono">{E(o.Sku)}</span></dd>
                  <dt>Seats</dt><dd>{o.Quantity}</dd>
                </dl>
              </section>
              <section class="card" aria-label="Payment">
                <h2>Payment</h2>
                <dl>
                  <dt>Provider</dt><dd>{E(provider)}</dd>
                  <dt>{E(ProviderLabels.OrderReference(o.Provider))}</dt><dd class="mono" data-testid="provider-order-ref">{E(o.ProviderOrderRef ?? "—")}</dd>
                  <dt>{E(ProviderLabels.TransactionReference(o.Provider))}</dt><dd class="mono" data-testid="provider-transaction-ref">{E(o.ProviderTransactionRef ?? "—")}</dd>
                  <dt>Total</dt><dd>{E(Money.Format(o.TotalMinor, o.Currency))} <span class="muted">({o.Quantity} × {E(Money.Format(o.UnitPriceMinor, o.Currency))})</span></dd>
                  <dt>Paid</dt><dd>{Time(o.PaidAt)}</dd>
                  <dt>Last change</dt><dd>{Time(o.UpdatedAt)}</dd>
                </dl>
              </section>
            </div>
            <section class="card" aria-label="Licenses"><h2>Licenses</h2>{licenses}</section>
            <section class="card" aria-label="E-mails"><h2>E-mails</h2>{deliveries}</section>
            <section class="card" aria-label="Notes"><h2>Notes <span class="muted small">(staff only; never shown to the customer)</span></h2>{NoteRows(context, o, noteText, noteError)}</section>
            <section class="card" aria-label="Privacy notices"><h2>Privacy notices</h2>{PrivacyNoticeRows(o)}</section>
            <section class="card" aria-label="Timeline"><h2>Timeline <span class="muted small">(UTC)</span></h2><ol class="timeline">{timeline}</ol></section>
            """;
    }

    private static string NoteRows(HttpContext context, SupportOrderView o, string? text, string? error)
    {
        var number = Uri.EscapeDataString(o.OrderNumber);
        var notes = o.Notes.Count == 0
            ? """<p class="muted">No notes.</p>"""
            : $"""<ul class="notes">{string.Concat(o.Notes.Select(n => $"""
                <li data-testid="note">{Time(n.CreatedAt)} <span class="muted">by {E(n.Author)}</span><div class="note-text" style="white-space:pre-wrap">{E(n.Text)}</div></li>
                """))}</ul>""";
        var form = o.ErasedAt is not null ? "" : $"""
            <form method="post" action="/support/orders/{number}/notes">
              {AntiforgeryField(context)}
              <label for="note-text">Add a note (part of the customer's data export; no card data)</label>
              <textarea id="note-text" name="text" required maxlength="{OrderNotes.MaxLength}"
                {(error is null ? "" : "aria-invalid=\"true\" aria-describedby=\"note-error\"")}>{E(text)}</textarea>
              {(error is null ? "" : $"""<div class="field-error" id="note-error" data-testid="note-error">{E(error)}</div>""")}
              <div class="actions" style="margin-top:.6rem"><button type="submit">Add note</button></div>
            </form>
            """;
        return notes + form;
    }

    private static async Task<Results<SeeOtherResult, ContentHttpResult>> AddNote(
        string orderNumber, [FromForm] NoteForm? form, HttpContext context, OrderNotes notes, SupportOrders orders, CancellationToken ct)
    {
        var staff = StaffMember.From(context.User);
        var outcome = await notes.AddAsync(staff, orderNumber, form?.Text, ct);
        switch (outcome)
        {
            case NoteOutcome.Added:
                return BackToOrder(orderNumber, "notice=note-added");
            case NoteOutcome.NotFound:
                return OrderNotFound(context, orderNumber);
            case NoteOutcome.Invalid or NoteOutcome.Erased:
                var message = outcome is NoteOutcome.Invalid invalid ? invalid.Errors["text"][0]
                    : "The customer's personal data on this order was erased; no new notes are kept about it.";
                var view = await orders.ViewAsync(staff, orderNumber, ct);
                return view is null
                    ? OrderNotFound(context, orderNumber)
                    : Page(context, $"Order {view.OrderNumber}", OrderBody(context, view, null, null, form?.Text, message),
                        outcome is NoteOutcome.Erased ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest, "search");
            default:
                throw new InvalidOperationException($"Unhandled note outcome {outcome.GetType().Name}.");
        }
    }

    // The consent record of this order's address: each notice it was sent, and the answer.
    private static string PrivacyNoticeRows(SupportOrderView o) => o.PrivacyNotices.Count == 0
        ? """<p class="muted">No privacy notice was sent to this address.</p>"""
        : $"""
            <table>
            <thead><tr><th>#</th><th>Notice</th><th>Effective</th><th>E-mail</th><th>Sent</th><th>Answer</th><th>Answered</th></tr></thead>
            <tbody>{string.Concat(o.PrivacyNotices.Select(c => $"""
                <tr data-testid="privacy-notice">
                  <td>{c.NoticeId}</td>
                  <td>{E(c.Subject)}</td>
                  <td class="nowrap">{c.EffectiveOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}</td>
                  <td>{Badge(c.DeliveryStatus ?? "waiting")}</td>
                  <td class="nowrap">{Time(c.SentAt)}</td>
                  <td data-testid="privacy-choice">{(c.Choice is null ? """<span class="muted">no answer</span>""" : Badge(c.Choice))}</td>
                  <td class="nowrap">{Time(c.ChosenAt)}</td>
                </tr>
                """))}</tbody>
            </table>
            """;

    // "ORD1-0SNK4-C1J6S…CD0RD-TM": enough to compare with what a customer reads out.
    private static string Abbreviate(string key) => key.Length <= 32 ? key : $"{key[..16]}…{key[^8..]}";

    private static async Task<Results<SeeOtherResult, ContentHttpResult>> Resend(
        string orderNumber, [FromForm] ResendForm? form, HttpContext context, SupportActions actions, CancellationToken ct)
    {
        var requestId = SupportActions.IsValidRequestId(form?.RequestId) ? form?.RequestId : null;
        var outcome = await actions.ResendAsync(StaffMember.From(context.User), orderNumber, requestId, ct);
        return outcome switch
        {
            ResendOutcome.Queued => BackToOrder(orderNumber, "notice=resent"),
            ResendOutcome.NoActiveLicense => BackToOrder(orderNumber, "error=no-active-license"),
            ResendOutcome.Erased => BackToOrder(orderNumber, "error=erased"),
            _ => OrderNotFound(context, orderNumber),
        };
    }

    private static SeeOtherResult BackToOrder(string orderNumber, string query) =>
        new($"/support/orders/{Uri.EscapeDataString(orderNumber)}?{query}");

    // --- Corrections: the e-mail address, the licensee name ------------------------------------

    private sealed record Correction(string Path, string Field, string Label, string Title, string Explanation, string Notice, Func<SupportOrderView, string> Current);

    private static class Corrections
    {
        public static readonly Correction Email = new("email", "email", "New e-mail address", "Change the e-mail address",
            "The order's address is replaced. Unsent license e-mails to the old address are canceled, and if the order has a license its e-mail goes to the new address only. Key recovery and privacy notices use the new address from now on.",
            "email-changed", o => o.Email);

        public static readonly Correction Licensee = new("licensee", "licenseeName", "Corrected licensee name", "Correct the licensee name",
            "The name is signed into the key, so the current license is revoked (no revocation e-mail is sent) and a new license with the corrected name is issued and e-mailed to the order's address.",
            "licensee-corrected", o => o.LicenseeName);
    }

    private static async Task<ContentHttpResult> CorrectionPage(string orderNumber, Correction correction, HttpContext context, SupportOrders orders, CancellationToken ct)
    {
        var view = await orders.ViewAsync(StaffMember.From(context.User), orderNumber, ct);
        return view is null ? OrderNotFound(context, orderNumber) : CorrectionFormPage(context, view, correction, null, null, StatusCodes.Status200OK);
    }

    private static async Task<Results<SeeOtherResult, ContentHttpResult>> Correct(string orderNumber, Correction correction, CorrectionForm? form,
        HttpContext context, OrderCorrections corrections, SupportOrders orders, CancellationToken ct)
    {
        var staff = StaffMember.From(context.User);
        var outcome = correction == Corrections.Email
            ? await corrections.ChangeEmailAsync(staff, orderNumber, form?.Value, ct)
            : await corrections.CorrectLicenseeAsync(staff, orderNumber, form?.Value, ct);
        (string Message, int Status) failure;
        switch (outcome)
        {
            case CorrectionOutcome.Done:
                return BackToOrder(orderNumber, "notice=" + correction.Notice);
            case CorrectionOutcome.NotFound:
                return OrderNotFound(context, orderNumber);
            case CorrectionOutcome.Invalid invalid:
                failure = (invalid.Errors.First().Value[0], StatusCodes.Status400BadRequest);
                break;
            case CorrectionOutcome.Erased:
                failure = ("The customer's personal data on this order was erased; there is nothing to correct.", StatusCodes.Status409Conflict);
                break;
            case CorrectionOutcome.NotPossible refused:
                failure = (refused.Reason, StatusCodes.Status409Conflict);
                break;
            default:
                throw new InvalidOperationException($"Unhandled correction outcome {outcome.GetType().Name}.");
        }

        var view = await orders.ViewAsync(staff, orderNumber, ct);
        return view is null ? OrderNotFound(context, orderNumber) : CorrectionFormPage(context, view, correction, form?.Value, failure.Message, failure.Status);
    }

    private static ContentHttpResult CorrectionFormPage(HttpContext context, SupportOrderView o, Correction correction, string? value, string? error, int statusCode)
    {
        var number = Uri.EscapeDataString(o.OrderNumber);
        var body = o.ErasedAt is not null
            ? $"""<div class="notice error" role="alert">The customer's personal data on this order was erased; there is nothing to correct.</div><p><a href="/support/orders/{number}">Back to the order</a></p>"""
            : $"""
                <dl style="margin-bottom:1rem"><dt>Now</dt><dd data-testid="current-value">{E(correction.Current(o))}</dd></dl>
                <p>{E(correction.Explanation)}</p>
                <form method="post" action="/support/orders/{number}/{correction.Path}">
                  {AntiforgeryField(context)}
                  <label for="value">{E(correction.Label)}</label>
                  <input id="value" name="value" type="text" required autocomplete="off" spellcheck="false" value="{E(value)}"
                    {(error is null ? "" : "aria-invalid=\"true\" aria-describedby=\"value-error\"")}>
                  {(error is null ? "" : $"""<div class="field-error" id="value-error" data-testid="correction-error">{E(error)}</div>""")}
                  <div class="actions" style="margin-top:1rem">
                    <button type="submit">{E(correction.Title)}</button>
                    <a class="button secondary" href="/support/orders/{number}">Cancel</a>
                  </div>
                </form>
                """;
        return Page(context, $"{correction.Title} · {o.OrderNumber}", $"""
            <p class="crumbs"><a href="/support/orders/{number}">← Order {E(o.OrderNumber)}</a></p>
            <div class="card">
            <h1>{E(correction.Title)} of order <span class="mono">{E(o.OrderNumber)}</span></h1>
            {body}
            </div>
            """, statusCode, "search");
    }

    // --- Revoke and refund: a confirmation page each, then the change ---------------------------

    private static async Task<ContentHttpResult> RevokePage(string orderNumber, HttpContext context, SupportOrders orders, CancellationToken ct)
    {
        var view = await orders.ViewAsync(StaffMember.From(context.User), orderNumber, ct);
        return view is null ? OrderNotFound(context, orderNumber) : RevokeConfirmation(context, view, null, null, StatusCodes.Status200OK);
    }

    private static async Task<Results<SeeOtherResult, ContentHttpResult>> Revoke(
        string orderNumber, [FromForm] ReasonForm? form, HttpContext context, SupportActions actions, SupportOrders orders, CancellationToken ct)
    {
        var staff = StaffMember.From(context.User);
        var outcome = await actions.RevokeAsync(staff, orderNumber, form?.Reason, ct);
        switch (outcome)
        {
            case RevokeOutcome.Revoked:
                return BackToOrder(orderNumber, "notice=revoked");
            case RevokeOutcome.NoActiveLicense:
                return BackToOrder(orderNumber, "error=no-active-license");
            case RevokeOutcome.Invalid invalid:
                var view = await orders.ViewAsync(staff, orderNumber, ct);
                return view is null
                    ? OrderNotFound(context, orderNumber)
                    : RevokeConfirmation(context, view, form?.Reason, invalid.Errors["reason"][0], StatusCodes.Status400BadRequest);
            default:
                return OrderNotFound(context, orderNumber);
        }
    }

    private static ContentHttpResult RevokeConfirmation(HttpContext context, SupportOrderView o, string? reason, string? error, int statusCode)
    {
        var number = Uri.EscapeDataString(o.OrderNumber);
        var active = o.Licenses.Where(l => l.Status == "active").ToList();
        var body = active.Count == 0
            ? $"""<div class="notice error" role="alert">This order has no active license to revoke.</div><p><a href="/support/orders/{number}">Back to the order</a></p>"""
            : $"""
                <p>You are about to revoke the license{(active.Count == 1 ? "" : "s")} of this order:</p>
                <ul>{string.Concat(active.Select(l => $"<li><span class=\"mono\">{E(Abbreviate(l.Key))}</span> — {l.Seats} seat(s), licensed to {E(o.LicenseeName)}</li>"))}</ul>
                <p>The license is marked revoked: the customer's order page says so and it is never e-mailed again. The order and its payment stay as they are; to give the money back, refund instead.</p>
                <form method="post" action="/support/orders/{number}/revoke">
                  {AntiforgeryField(context)}
                  <label for="reason">Reason (kept in the audit log; no personal or card data)</label>
                  <textarea id="reason" name="reason" required minlength="{SupportActions.MinReasonLength}" maxlength="{SupportActions.MaxReasonLength}"
                    {(error is null ? "" : "aria-invalid=\"true\" aria-describedby=\"reason-error\"")}>{E(reason)}</textarea>
                  {(error is null ? "" : $"""<div class="field-error" id="reason-error">{E(error)}</div>""")}
                  <div class="actions" style="margin-top:1rem">
                    <button type="submit" class="danger">Revoke license</button>
                    <a class="button secondary" href="/support/orders/{number}">Cancel</a>
                  </div>
                </form>
                """;
        return Page(context, $"Revoke license · {o.OrderNumber}", $"""
            <p class="crumbs"><a href="/support/orders/{number}">← Order {E(o.OrderNumber)}</a></p>
            <div class="card">
            <h1>Revoke the license of order <span class="mono">{E(o.OrderNumber)}</span></h1>
            {body}
            </div>
            """, statusCode, "search");
    }

    private static async Task<ContentHttpResult> RefundPage(string orderNumber, HttpContext context, SupportOrders orders, CancellationToken ct)
    {
        var view = await orders.ViewAsync(StaffMember.From(context.User), orderNumber, ct);
        return view is null ? OrderNotFound(context, orderNumber) : RefundConfirmation(context, view, null, null, StatusCodes.Status200OK, null);
    }

    private static async Task<Results<SeeOtherResult, ContentHttpResult>> Refund(
        string orderNumber, [FromForm] RefundForm? form, HttpContext context, SupportActions actions, SupportOrders orders, CancellationToken ct)
    {
        var staff = StaffMember.From(context.User);
        var outcome = await actions.RefundAsync(staff, orderNumber, form?.Reason, form?.Amount, ct);
        (string Message, int Status) failure;
        switch (outcome)
        {
            case RefundActionOutcome.Refunded refunded:
                return BackToOrder(orderNumber, !refunded.Completed ? "notice=refund-pending"
                    : refunded.OrderStatus == Orders.OrderStatus.Refunded ? "notice=refunded" : "notice=partly-refunded");
            case RefundActionOutcome.NotFound:
                return OrderNotFound(context, orderNumber);
            case RefundActionOutcome.Invalid invalid:
                failure = (invalid.Errors.First().Value[0], StatusCodes.Status400BadRequest);
                break;
            case RefundActionOutcome.NotPossible refused:
                failure = ($"Not refunded: {refused.Reason}", StatusCodes.Status409Conflict);
                break;
            case RefundActionOutcome.ProviderFailed failed:
                failure = failed.Unavailable
                    ? ($"{failed.Provider} could not be reached. Nothing was refunded; try again in a minute (trying again cannot refund twice).", StatusCodes.Status503ServiceUnavailable)
                    : ($"{failed.Provider} answered with an error. Nothing was refunded.", StatusCodes.Status502BadGateway);
                break;
            default:
                throw new InvalidOperationException($"Unhandled refund outcome {outcome.GetType().Name}.");
        }

        var view = await orders.ViewAsync(staff, orderNumber, ct);
        return view is null ? OrderNotFound(context, orderNumber) : RefundConfirmation(context, view, form?.Reason, failure.Message, failure.Status, form?.Amount);
    }

    private static ContentHttpResult RefundConfirmation(HttpContext context, SupportOrderView o, string? reason, string? error, int statusCode, string? amount)
    {
        var number = Uri.EscapeDataString(o.OrderNumber);
        var provider = ProviderLabels.Name(o.Provider);
        var total = Money.Format(o.TotalMinor - o.RefundedMinor, o.Currency);
        var what = o.RefundedMinor == 0
            ? "the whole order"
            : $"what is left: {Money.Format(o.RefundedMinor, o.Currency)} of {Money.Format(o.TotalMinor, o.Currency)} was refunded already";
        var problem = SupportOrders.RefundProblem(o.Status, o.Provider);
        var rest = Money.ToDecimalString(o.TotalMinor - o.RefundedMinor, o.Currency);
        var form = problem is not null
            ? $"""<p><a href="/support/orders/{number}">Back to the order</a></p>"""
            : $"""
                <dl style="margin-bottom:1rem">
                  <dt>Amount</dt><dd><strong>{E(total)}</strong> ({E(what)})</dd>
                  <dt>Goes back through</dt><dd>{E(provider)}, {E(ProviderLabels.TransactionReference(o.Provider))} <span class="mono">{E(o.ProviderTransactionRef ?? "—")}</span></dd>
                  <dt>Customer</dt><dd>{E(o.Email)}</dd>
                </dl>
                <p>Refunding all that is left makes the order <strong>refunded</strong> and revokes its license; a part refund keeps both. This cannot be undone.</p>
                <form method="post" action="/support/orders/{number}/refund">
                  {AntiforgeryField(context)}
                  <label for="amount">Amount in {E(o.Currency)} (at most <span data-testid="refundable">{E(total)}</span>; leave as it is to refund all of it)</label>
                  <input id="amount" name="amount" type="text" inputmode="decimal" autocomplete="off" value="{E(amount ?? rest)}">
                  <label for="reason">Note for the audit log (optional; no personal or card data)</label>
                  <textarea id="reason" name="reason" maxlength="{SupportActions.MaxReasonLength}">{E(reason)}</textarea>
                  <div class="actions" style="margin-top:1rem">
                    <button type="submit" class="danger">Refund {E(total)}</button>
                    <a class="button secondary" href="/support/orders/{number}">Cancel</a>
                  </div>
                </form>
                """;
        var message = error ?? problem;
        return Page(context, $"Refund · {o.OrderNumber}", $"""
            <p class="crumbs"><a href="/support/orders/{number}">← Order {E(o.OrderNumber)}</a></p>
            <div class="card">
            <h1>Refund order <span class="mono">{E(o.OrderNumber)}</span> {Badge(o.Status)}</h1>
            {(message is null ? "" : $"""<div class="notice error" role="alert" data-testid="refund-error">{E(message)}</div>""")}
            {form}
            </div>
            """, statusCode, "search");
    }

    // --- Audit log ------------------------------------------------------------------------------

    private static async Task<ContentHttpResult> AuditPage(string? order, string? actor, string? action, long? before, HttpContext context, AuditLog audit, CancellationToken ct)
    {
        const int PageSize = 100;
        order = string.IsNullOrWhiteSpace(order) ? null : order.Trim();
        actor = string.IsNullOrWhiteSpace(actor) ? null : StaffAccounts.Normalize(actor);
        action = action is not null && AuditActions.All.Contains(action) ? action : null;
        var entries = await audit.ReadAsync(new AuditQuery(order, actor, action, before, PageSize), ct);

        var options = string.Concat(AuditActions.All.Select(a => $"""<option value="{E(a)}"{(a == action ? " selected" : "")}>{E(a)}</option>"""));
        var rows = entries.Count == 0
            ? """<tr><td colspan="5" class="empty">No entries.</td></tr>"""
            : string.Concat(entries.Select(e => $"""
                <tr data-testid="audit-entry">
                  <td class="nowrap">{Time(e.At)}</td>
                  <td>{E(e.Actor)}</td>
                  <td class="nowrap"><span class="mono">{E(e.Action)}</span></td>
                  <td class="nowrap">{(e.OrderNumber is null ? "" : OrderLink(e.OrderNumber))}</td>
                  <td>{E(e.Detail)}</td>
                </tr>
                """));
        var older = entries.Count == PageSize
            ? $"""<p class="pager"><a href="/support/audit?{E(Query(("order", order), ("actor", actor), ("action", action), ("before", entries[^1].Id.ToString(CultureInfo.InvariantCulture))))}">Older entries →</a></p>"""
            : "";
        return Page(context, "Audit log", $"""
            <h1>Audit log</h1>
            <p class="lead">Every search, order view, change and sign-in by staff, newest first.</p>
            <form method="get" action="/support/audit" class="card filters">
              <div><label for="order">Order number</label><input id="order" name="order" type="text" value="{E(order)}"></div>
              <div><label for="actor">Staff user</label><input id="actor" name="actor" type="text" value="{E(actor)}"></div>
              <div><label for="action">Action</label><select id="action" name="action"><option value="">any</option>{options}</select></div>
              <div><button type="submit">Filter</button></div>
            </form>
            <section class="card" aria-label="Entries">
            <table>
            <thead><tr><th>Time</th><th>Staff user</th><th>Action</th><th>Order</th><th>Detail</th></tr></thead>
            <tbody>{rows}</tbody>
            </table>
            {older}
            </section>
            """, section: "audit");
    }

    private static string Query(params (string Key, string? Value)[] pairs) =>
        string.Join("&", pairs.Where(p => p.Value is not null).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}"));
}
