using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Orders.Api.Support;

internal sealed record StaffView(string Username, string Role);

internal sealed record OrderSearchView(IReadOnlyList<OrderHit> Orders, bool Truncated, string? Hint);

internal sealed record ResendView(long DeliveryId, string Status);

internal sealed record RevokeBody(string? Reason);

internal sealed record RevokeView(int LicensesRevoked, int UnsentEmailsCanceled);

// Amount: a decimal string in the order's currency ("10.00"); left out, all that is left is refunded.
internal sealed record SupportRefundBody(string? Reason, string? Amount = null);

internal sealed record RefundView(string OrderStatus, string RefundId, long AmountMinor, string Currency, bool Completed);

internal sealed record ChangeEmailBody(string? Email);

internal sealed record CorrectLicenseeBody(string? LicenseeName);

// DeliveryId: the license e-mail queued to the order's address (none when there is no key yet);
// LicenseLine: the order's active license line afterwards (0: none yet).
internal sealed record CorrectionView(long? DeliveryId, int LicenseLine);

internal sealed record NoteBody(string? Text);

internal sealed record AuditPageView(IReadOnlyList<AuditEntry> Entries, long? NextBefore);

// The support console as JSON, on the same cookie session as the pages. Reads for every staff
// user; revoke, refund and the audit log for admins. Writes must be JSON: a cross-site form
// cannot send that without a CORS preflight, which this API never grants, so a staff member's
// session cannot be ridden from another site (on top of the SameSite=Strict cookie).
internal static class SupportApi
{
    public const int MaxBodyBytes = 16 * 1024;

    // A group of staff API routes with the support API's conventions; other features (privacy)
    // hang their staff routes under /api/support with it.
    public static RouteGroupBuilder MapStaffApi(this IEndpointRouteBuilder app, string prefix, string policy, int maxBodyBytes = MaxBodyBytes) =>
        app.MapGroup(prefix)
            .WithTags("Support")
            .RequireAuthorization(policy)
            .AddEndpointFilter(RequireJsonWrites)
            .AddEndpointFilter(NoStore)
            .WithMetadata(new RequestSizeLimitAttribute(maxBodyBytes))
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            // Every request looks its session up in the database.
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    public static IEndpointRouteBuilder MapSupportApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapStaffApi("/api/support", SupportPolicies.Staff);

        api.MapGet("/me", Me).WithName("SupportWhoAmI")
            .WithSummary("Who is signed in")
            .WithDescription("The signed-in staff member's user name and role (support or admin).");
        api.MapGet("/orders", Search).WithName("SupportSearchOrders")
            .WithSummary("Find orders, or list the newest")
            .WithDescription("With `q`: orders whose e-mail address, licensee name, order number, license key or provider reference "
                + "matches. Without: the newest orders, filtered by `status`, `provider` and `from`/`to` (yyyy-MM-dd, UTC, both days "
                + "included), a `page` at a time. Audited as a lookup.");
        api.MapGet("/orders/{orderNumber}", GetOrder).WithName("SupportGetOrder")
            .WithSummary("Read an order with everything support sees")
            .WithDescription("Status, amounts, provider references, licenses, e-mails, events, notes and privacy-notice answers. Audited.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/orders/{orderNumber}/resend", Resend).WithName("SupportResendLicense")
            .WithSummary("E-mail the license again")
            .WithDescription("Queues a new license e-mail to the order's own address. Send `{}` as JSON; a repeated request with "
                + "the same Idempotency-Key is one e-mail. 409 when the order has no active license or its data was erased.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        // Support may fix an address: a mistyped one is the most common ticket, and the key only ever goes to the order's own address.
        api.MapPost("/orders/{orderNumber}/email", ChangeEmail).WithName("SupportChangeEmail")
            .WithSummary("Correct the order's e-mail address")
            .WithDescription("Checked as checkout checks it. Unsent license e-mails to the old address are canceled and, when the "
                + "order has a license, its e-mail is queued to the new address. 409 for an erased order. Audited without either address.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/orders/{orderNumber}/licensee", CorrectLicensee).WithName("SupportCorrectLicensee").RequireAuthorization(SupportPolicies.Admin)
            .WithSummary("Correct the licensee's name (admin)")
            .WithDescription("Checked as checkout checks it. A paid order's license is revoked and a new one with the corrected "
                + "name issued and e-mailed; before payment only the name changes. Audited without either name.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/orders/{orderNumber}/notes", AddNote).WithName("SupportAddOrderNote")
            .WithSummary("Add an internal note to the order")
            .WithDescription("At most 2000 characters, never shown to the customer. 409 for an erased order. Audited without its text.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/orders/{orderNumber}/revoke", Revoke).WithName("SupportRevokeLicense").RequireAuthorization(SupportPolicies.Admin)
            .WithSummary("Revoke the order's licenses (admin)")
            .WithDescription("Needs a reason. The licenses go on the revocation list, unsent license e-mails are canceled and the "
                + "customer is told the key no longer works; the payment is untouched. 409 without an active license.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/orders/{orderNumber}/refund", Refund).WithName("SupportRefundOrder").RequireAuthorization(SupportPolicies.Admin)
            .WithSummary("Refund the order, or part of it, through its provider (admin)")
            .WithDescription("`amount` is a decimal string in the order's currency; left out, all that is left is refunded. The "
                + "provider's answer is applied like its webhook. 409 when the provider refuses or has no refund API (the reseller), "
                + "502 when it answers with an error, 503 when it cannot be reached: nothing was refunded then, and a retry cannot refund twice.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status502BadGateway);
        api.MapGet("/audit", Audit).WithName("SupportAuditLog").RequireAuthorization(SupportPolicies.Admin)
            .WithSummary("Read the audit log (admin)")
            .WithDescription("Who looked at or changed which order, newest first, filtered by `order`, `actor` and `action`; "
                + "`limit` entries a page (at most 200), the next page from `nextBefore`.");
        return app;
    }

    internal static Ok<StaffView> Me(ClaimsPrincipal user)
    {
        var staff = StaffMember.From(user);
        return TypedResults.Ok(new StaffView(staff.Username, staff.Role));
    }

    // With q: the search. Without: the newest orders, filtered (status, provider, from/to as
    // yyyy-MM-dd, UTC, both days included) and a page at a time.
    internal static async Task<Results<Ok<OrderSearchView>, Ok<OrderListView>, ValidationProblem>> Search(
        string? q, string? status, string? provider, string? from, string? to, int? page,
        ClaimsPrincipal user, OrderSearch search, RecentOrders recent, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(q))
        {
            if (RecentOrders.Validate(status, provider, from, to, page, out var filter) is { } errors)
            {
                return TypedResults.ValidationProblem(errors, title: "The list's filters are not valid.");
            }

            return TypedResults.Ok(await recent.ListAsync(StaffMember.From(user), filter, ct));
        }

        if (string.IsNullOrWhiteSpace(q) || q.Length > OrderSearch.MaxQueryLength)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["q"] = [$"Give an e-mail address, licensee name, order number, license key or provider reference (at most {OrderSearch.MaxQueryLength} characters)."] },
                title: "Nothing to search for.");
        }

        var result = await search.SearchAsync(StaffMember.From(user), q, ct);
        return TypedResults.Ok(new OrderSearchView(result.Orders, result.Truncated, result.Hint));
    }

    internal static async Task<Results<Ok<SupportOrderView>, ProblemHttpResult>> GetOrder(string orderNumber, ClaimsPrincipal user, SupportOrders orders, CancellationToken ct)
    {
        var view = await orders.ViewAsync(StaffMember.From(user), orderNumber, ct);
        return view is null ? OrderNotFound(orderNumber) : TypedResults.Ok(view);
    }

    internal static async Task<Results<Accepted<ResendView>, ValidationProblem, ProblemHttpResult>> Resend(
        string orderNumber, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, ClaimsPrincipal user, SupportActions actions, CancellationToken ct)
    {
        if (!SupportActions.IsValidRequestId(idempotencyKey))
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["Idempotency-Key"] = [$"Use at most {SupportActions.MaxRequestIdLength} letters, digits, '-' or '_'."] });
        }

        var outcome = await actions.ResendAsync(StaffMember.From(user), orderNumber, idempotencyKey, ct);
        return outcome switch
        {
            ResendOutcome.Queued queued => TypedResults.Accepted($"/api/support/orders/{Uri.EscapeDataString(orderNumber)}", new ResendView(queued.DeliveryId, "pending")),
            ResendOutcome.NoActiveLicense => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "No active license",
                detail: "This order has no active license, so there is nothing to resend."),
            ResendOutcome.Erased => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Customer data erased",
                detail: SupportOrders.ErasedResendProblem),
            _ => OrderNotFound(orderNumber),
        };
    }

    internal static async Task<Results<Ok<CorrectionView>, ValidationProblem, ProblemHttpResult>> ChangeEmail(
        string orderNumber, ChangeEmailBody body, ClaimsPrincipal user, OrderCorrections corrections, CancellationToken ct) =>
        Correction(orderNumber, await corrections.ChangeEmailAsync(StaffMember.From(user), orderNumber, body.Email, ct));

    internal static async Task<Results<Ok<CorrectionView>, ValidationProblem, ProblemHttpResult>> CorrectLicensee(
        string orderNumber, CorrectLicenseeBody body, ClaimsPrincipal user, OrderCorrections corrections, CancellationToken ct) =>
        Correction(orderNumber, await corrections.CorrectLicenseeAsync(StaffMember.From(user), orderNumber, body.LicenseeName, ct));

    private static Results<Ok<CorrectionView>, ValidationProblem, ProblemHttpResult> Correction(string orderNumber, CorrectionOutcome outcome) => outcome switch
    {
        CorrectionOutcome.Done done => TypedResults.Ok(new CorrectionView(done.DeliveryId, done.LicenseLine)),
        CorrectionOutcome.Invalid invalid => TypedResults.ValidationProblem(invalid.Errors),
        CorrectionOutcome.Erased => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Customer data erased",
            detail: "The customer's personal data on this order was erased; there is nothing to correct."),
        CorrectionOutcome.NotPossible refused => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not changed", detail: refused.Reason),
        CorrectionOutcome.NotFound => OrderNotFound(orderNumber),
        _ => throw new InvalidOperationException($"Unhandled correction outcome {outcome.GetType().Name}."),
    };

    internal static async Task<Results<Created<OrderNoteView>, ValidationProblem, ProblemHttpResult>> AddNote(
        string orderNumber, NoteBody body, ClaimsPrincipal user, OrderNotes notes, CancellationToken ct)
    {
        var outcome = await notes.AddAsync(StaffMember.From(user), orderNumber, body.Text, ct);
        return outcome switch
        {
            NoteOutcome.Added added => TypedResults.Created($"/api/support/orders/{Uri.EscapeDataString(orderNumber)}", added.Note),
            NoteOutcome.Invalid invalid => TypedResults.ValidationProblem(invalid.Errors),
            NoteOutcome.Erased => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Customer data erased",
                detail: "The customer's personal data on this order was erased; no new notes are kept about it."),
            NoteOutcome.NotFound => OrderNotFound(orderNumber),
            _ => throw new InvalidOperationException($"Unhandled note outcome {outcome.GetType().Name}."),
        };
    }

    internal static async Task<Results<Ok<RevokeView>, ValidationProblem, ProblemHttpResult>> Revoke(
        string orderNumber, RevokeBody body, ClaimsPrincipal user, SupportActions actions, CancellationToken ct)
    {
        var outcome = await actions.RevokeAsync(StaffMember.From(user), orderNumber, body.Reason, ct);
        return outcome switch
        {
            RevokeOutcome.Revoked revoked => TypedResults.Ok(new RevokeView(revoked.Licenses, revoked.CanceledDeliveries)),
            RevokeOutcome.Invalid invalid => TypedResults.ValidationProblem(invalid.Errors, title: "A reason is needed to revoke a license."),
            RevokeOutcome.NoActiveLicense => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "No active license",
                detail: "This order has no active license to revoke."),
            _ => OrderNotFound(orderNumber),
        };
    }

    internal static async Task<Results<Ok<RefundView>, ValidationProblem, ProblemHttpResult>> Refund(
        string orderNumber, SupportRefundBody? body, ClaimsPrincipal user, SupportActions actions, CancellationToken ct)
    {
        var outcome = await actions.RefundAsync(StaffMember.From(user), orderNumber, body?.Reason, body?.Amount, ct);
        return outcome switch
        {
            RefundActionOutcome.Refunded r => TypedResults.Ok(new RefundView(r.OrderStatus, r.RefundId, r.AmountMinor, r.Currency, r.Completed)),
            RefundActionOutcome.Invalid invalid => TypedResults.ValidationProblem(invalid.Errors),
            RefundActionOutcome.NotPossible refused => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Refund not possible", detail: refused.Reason),
            RefundActionOutcome.ProviderFailed failed => failed.Unavailable
                ? TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Payment provider unavailable",
                    detail: $"{failed.Provider} could not be reached. Nothing was refunded; try again shortly (a retry cannot refund twice).")
                : TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "Payment provider error",
                    detail: $"{failed.Provider} answered with an error. Nothing was refunded."),
            _ => OrderNotFound(orderNumber),
        };
    }

    internal static async Task<Results<Ok<AuditPageView>, ValidationProblem>> Audit(
        string? order, string? actor, string? action, long? before, int? limit, AuditLog audit, CancellationToken ct)
    {
        if (action is not null && !AuditActions.All.Contains(action))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["action"] = [$"One of: {string.Join(", ", AuditActions.All)}."] });
        }

        var size = Math.Clamp(limit ?? 100, 1, AuditLog.MaxPageSize);
        var entries = await audit.ReadAsync(new AuditQuery(Blank(order), Blank(actor) is { } a ? StaffAccounts.Normalize(a) : null, action, before, size), ct);
        return TypedResults.Ok(new AuditPageView(entries, entries.Count == size ? entries[^1].Id : null));
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static ProblemHttpResult OrderNotFound(string orderNumber) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Order not found", detail: $"No order has the number '{orderNumber}'.");

    internal static async ValueTask<object?> RequireJsonWrites(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !request.HasJsonContentType())
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "JSON required",
                detail: "Send support API changes as Content-Type: application/json (an empty object {} where there is nothing to say).");
        }

        return await next(context);
    }

    // Support answers carry customers' personal data: no browser or proxy may keep a copy.
    internal static ValueTask<object?> NoStore(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        context.HttpContext.Response.Headers.CacheControl = "no-store";
        return next(context);
    }
}
