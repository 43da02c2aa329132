using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Api.Hosting;

namespace Orders.Api.Support;

// One of the console's corrections of an order (the e-mail address, the licensee name): its page and
// what it says.
public sealed record Correction(string Path, string Field, string Label, string Title, string Explanation, string Notice, Func<SupportOrderView, string> Current);

// The support console's pages (Razor components in Console/): sign-in, one search box over the
// recent orders, the order with its timeline, notes and actions, a page each for the corrections
// (address, licensee name), confirmation steps for revoke and refund, and the audit log. They call
// the same services as the JSON API. Every form carries an antiforgery token; after a change the
// browser is sent back to the order (303), so a reload never repeats it.
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
        app.MapConsoleAssets();
        var anonymous = app.MapGroup("/support").WithTags("Support pages").ExcludeFromDescription().AllowAnonymous();
        anonymous.MapGet("/sign-in", ShowSignIn);
        // SignInThrottle slows guessing per username and network; this limit caps any one address.
        anonymous.MapPost("/sign-in", SignIn).RequireRateLimiting(RateLimits.SignIn);

        var staff = app.MapGroup("/support").WithTags("Support pages").ExcludeFromDescription().RequireAuthorization(SupportPolicies.Staff);
        staff.MapPost("/sign-out", SignOut);
        staff.MapGet("", ShowSearch);
        staff.MapGet("/orders/{orderNumber}", ShowOrder);
        staff.MapPost("/orders/{orderNumber}/resend", Resend);
        staff.MapPost("/orders/{orderNumber}/notes", AddNote);
        staff.MapGet("/orders/{orderNumber}/email", (string orderNumber, HttpContext context, SupportOrders orders, CancellationToken ct) =>
            ShowCorrection(orderNumber, Corrections.Email, context, orders, ct));
        staff.MapPost("/orders/{orderNumber}/email", (string orderNumber, [FromForm] CorrectionForm? form, HttpContext context, OrderCorrections corrections, SupportOrders orders, CancellationToken ct) =>
            Correct(orderNumber, Corrections.Email, form, context, corrections, orders, ct));

        var admin = staff.MapGroup("").RequireAuthorization(SupportPolicies.Admin);
        admin.MapGet("/orders/{orderNumber}/licensee", (string orderNumber, HttpContext context, SupportOrders orders, CancellationToken ct) =>
            ShowCorrection(orderNumber, Corrections.Licensee, context, orders, ct));
        admin.MapPost("/orders/{orderNumber}/licensee", (string orderNumber, [FromForm] CorrectionForm? form, HttpContext context, OrderCorrections corrections, SupportOrders orders, CancellationToken ct) =>
            Correct(orderNumber, Corrections.Licensee, form, context, corrections, orders, ct));
        admin.MapGet("/orders/{orderNumber}/revoke", ShowRevoke);
        admin.MapPost("/orders/{orderNumber}/revoke", Revoke);
        admin.MapGet("/orders/{orderNumber}/refund", ShowRefund);
        admin.MapPost("/orders/{orderNumber}/refund", Refund);
        admin.MapGet("/audit", ShowAudit);
        return app;
    }

    // Written by the cookie handler when a signed-in user asks for an admin page.
    public static Task ForbiddenAsync(HttpContext context) =>
        ConsolePage.Message(context, StatusCodes.Status403Forbidden, "Not allowed", "Not allowed",
            "This part of the support console is for admins. Ask an admin if a license needs revoking or an order refunding.",
            "/support", "Back to the search").ExecuteAsync(context);

    // --- Sign-in and sign-out -------------------------------------------------------------------

    private static Results<RazorComponentResult, SeeOtherResult> ShowSignIn(HttpContext context, string? returnUrl, string? signedOut)
    {
        if (StaffMember.TryFrom(context.User) is not null)
        {
            return new SeeOtherResult(SafeReturnUrl(returnUrl));
        }

        var notice = signedOut is null ? null : "You are signed out.";
        return SignInFormPage(context, returnUrl, null, notice, null, StatusCodes.Status200OK);
    }

    private static async Task<Results<RazorComponentResult, SeeOtherResult>> SignIn([FromForm] SignInForm? form, HttpContext context, StaffSignIn signIn, CancellationToken ct)
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

    private static RazorComponentResult SignInFormPage(HttpContext context, string? returnUrl, string? username, string? notice, string? error, int statusCode) =>
        ConsolePage.Render<SignInPage>(context, new { ReturnUrl = SafeReturnUrl(returnUrl), Username = username, Notice = notice, Error = error }, statusCode);

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

    private static async Task<RazorComponentResult> ShowSearch(string? q, string? status, string? provider, string? from, string? to, string? page,
        HttpContext context, OrderSearch search, RecentOrders recent, CancellationToken ct)
    {
        var query = q?.Trim() ?? "";
        if (query.Length == 0)
        {
            var pageNumber = int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : page is null ? 1 : 0;
            var errors = RecentOrders.Validate(status, provider, from, to, pageNumber, out var filter);
            var list = errors is null ? await recent.ListAsync(StaffMember.From(context.User), filter, ct) : null;
            return ConsolePage.Render<SearchPage>(context, new { Query = query, Status = status, Provider = provider, From = from, To = to, ListErrors = errors, List = list },
                errors is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
        }

        if (query.Length > OrderSearch.MaxQueryLength)
        {
            return ConsolePage.Render<SearchPage>(context, new { Query = query }, StatusCodes.Status400BadRequest);
        }

        var found = await search.SearchAsync(StaffMember.From(context.User), query, ct);
        return ConsolePage.Render<SearchPage>(context, new { Query = query, Found = found });
    }

    internal static string Query(params (string Key, string? Value)[] pairs) =>
        string.Join("&", pairs.Where(p => p.Value is not null).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}"));

    // --- The order ------------------------------------------------------------------------------

    private static async Task<RazorComponentResult> ShowOrder(string orderNumber, string? notice, string? error, HttpContext context, SupportOrders orders, CancellationToken ct)
    {
        var staff = StaffMember.From(context.User);
        var view = await orders.ViewAsync(staff, orderNumber, ct);
        return view is null
            ? OrderNotFound(context, orderNumber)
            : ConsolePage.Render<OrderPage>(context, new { View = view, staff.IsAdmin, Notice = notice, Error = error });
    }

    private static RazorComponentResult OrderNotFound(HttpContext context, string orderNumber) =>
        ConsolePage.Message(context, StatusCodes.Status404NotFound, "Order not found", "Order not found", "No order has the number",
            "/support", "Search again", section: "search", code: orderNumber);

    private static async Task<Results<SeeOtherResult, RazorComponentResult>> AddNote(
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
                    : ConsolePage.Render<OrderPage>(context, new { View = view, staff.IsAdmin, NoteText = form?.Text, NoteError = message },
                        outcome is NoteOutcome.Erased ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest);
            default:
                throw new InvalidOperationException($"Unhandled note outcome {outcome.GetType().Name}.");
        }
    }

    // "ORD1-0SNK4-C1J6S…CD0RD-TM": enough to compare with what a customer reads out.
    internal static string Abbreviate(string key) => key.Length <= 32 ? key : $"{key[..16]}…{key[^8..]}";

    private static async Task<Results<SeeOtherResult, RazorComponentResult>> Resend(
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

    private static class Corrections
    {
        public static readonly Correction Email = new("email", "email", "New e-mail address", "Change the e-mail address",
            "The order's address is replaced. Unsent license e-mails to the old address are canceled, and if the order has a license its e-mail goes to the new address only. Key recovery and privacy notices use the new address from now on.",
            "email-changed", o => o.Email);

        public static readonly Correction Licensee = new("licensee", "licenseeName", "Corrected licensee name", "Correct the licensee name",
            "The name is signed into the key, so the current license is revoked (no revocation e-mail is sent) and a new license with the corrected name is issued and e-mailed to the order's address.",
            "licensee-corrected", o => o.LicenseeName);
    }

    private static async Task<RazorComponentResult> ShowCorrection(string orderNumber, Correction correction, HttpContext context, SupportOrders orders, CancellationToken ct)
    {
        var view = await orders.ViewAsync(StaffMember.From(context.User), orderNumber, ct);
        return view is null ? OrderNotFound(context, orderNumber) : CorrectionFormPage(context, view, correction, null, null, StatusCodes.Status200OK);
    }

    private static async Task<Results<SeeOtherResult, RazorComponentResult>> Correct(string orderNumber, Correction correction, CorrectionForm? form,
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

    private static RazorComponentResult CorrectionFormPage(HttpContext context, SupportOrderView view, Correction correction, string? value, string? error, int statusCode) =>
        ConsolePage.Render<CorrectionPage>(context, new { View = view, Correction = correction, Value = value, Error = error }, statusCode);

    // --- Revoke and refund: a confirmation page each, then the change ---------------------------

    private static async Task<RazorComponentResult> ShowRevoke(string orderNumber, HttpContext context, SupportOrders orders, CancellationToken ct)
    {
        var view = await orders.ViewAsync(StaffMember.From(context.User), orderNumber, ct);
        return view is null ? OrderNotFound(context, orderNumber) : RevokeConfirmation(context, view, null, null, StatusCodes.Status200OK);
    }

    private static async Task<Results<SeeOtherResult, RazorComponentResult>> Revoke(
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

    private static RazorComponentResult RevokeConfirmation(HttpContext context, SupportOrderView view, string? reason, string? error, int statusCode) =>
        ConsolePage.Render<RevokePage>(context, new { View = view, Reason = reason, Error = error }, statusCode);

    private static async Task<RazorComponentResult> ShowRefund(string orderNumber, HttpContext context, SupportOrders orders, CancellationToken ct)
    {
        var view = await orders.ViewAsync(StaffMember.From(context.User), orderNumber, ct);
        return view is null ? OrderNotFound(context, orderNumber) : RefundConfirmation(context, view, null, null, StatusCodes.Status200OK, null);
    }

    private static async Task<Results<SeeOtherResult, RazorComponentResult>> Refund(
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

    private static RazorComponentResult RefundConfirmation(HttpContext context, SupportOrderView view, string? reason, string? error, int statusCode, string? amount) =>
        ConsolePage.Render<RefundPage>(context, new { View = view, Reason = reason, Error = error, Amount = amount }, statusCode);

    // --- Audit log ------------------------------------------------------------------------------

    private static async Task<RazorComponentResult> ShowAudit(string? order, string? actor, string? action, long? before, HttpContext context, AuditLog audit, CancellationToken ct)
    {
        const int PageSize = 100;
        order = string.IsNullOrWhiteSpace(order) ? null : order.Trim();
        actor = string.IsNullOrWhiteSpace(actor) ? null : StaffAccounts.Normalize(actor);
        action = action is not null && AuditActions.All.Contains(action) ? action : null;
        var entries = await audit.ReadAsync(new AuditQuery(order, actor, action, before, PageSize), ct);
        var older = entries.Count == PageSize
            ? "/support/audit?" + Query(("order", order), ("actor", actor), ("action", action), ("before", entries[^1].Id.ToString(CultureInfo.InvariantCulture)))
            : null;
        return ConsolePage.Render<AuditPage>(context, new { Order = order, Actor = actor, ActionName = action, Entries = entries, OlderHref = older });
    }
}
