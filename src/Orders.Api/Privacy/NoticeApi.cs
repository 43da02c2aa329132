using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Api.Support;

namespace Orders.Api.Privacy;

internal sealed record NoticeListView(IReadOnlyList<NoticeView> Notices);

// Privacy notices in the support API, admins only, with the support API's conventions: JSON
// writes, problem details, no-store.
internal static class NoticeApi
{
    // A notice's text may be long; everything else in the support API stays at 16 KiB.
    public const int MaxBodyBytes = 128 * 1024;

    public static IEndpointRouteBuilder MapNoticeApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapStaffApi("/api/support/notices", SupportPolicies.Admin, MaxBodyBytes);

        api.MapGet("", List).WithName("SupportListPrivacyNotices")
            .WithSummary("List privacy notices with their progress (admin)")
            .WithDescription("Each notice with its recipients listed, sent, waiting, failed, not sent (erased), accepted and declined.");
        api.MapPost("", Create).WithName("SupportCreatePrivacyNotice")
            .WithSummary("Write a privacy notice (admin)")
            .WithDescription("Subject, body, the day it takes effect and the day answers close (yyyy-MM-dd). It is sent only "
                + "when an admin sends it.");
        api.MapGet("/{id:long}", Get).WithName("SupportGetPrivacyNotice")
            .WithSummary("Read one privacy notice (admin)")
            .WithDescription("The notice's text, dates and progress.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/{id:long}/send", Send).WithName("SupportSendPrivacyNotice")
            .WithSummary("Send a privacy notice to every customer (admin)")
            .WithDescription("Starts the mailing (202); send `{}` as JSON. 409 if it was sent already or its answer window has closed.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return app;
    }

    internal static async Task<Ok<NoticeListView>> List(PrivacyNotices notices, CancellationToken ct) =>
        TypedResults.Ok(new NoticeListView(await notices.ListAsync(ct)));

    internal static async Task<Results<Created<NoticeView>, ValidationProblem>> Create(NoticeDraft? body, ClaimsPrincipal user, PrivacyNotices notices, CancellationToken ct)
    {
        var outcome = await notices.CreateAsync(StaffMember.From(user), body ?? new NoticeDraft(null, null, null, null), ct);
        return outcome switch
        {
            CreateNoticeOutcome.Created created => TypedResults.Created($"/api/support/notices/{created.Notice.Id}", created.Notice),
            CreateNoticeOutcome.Invalid invalid => TypedResults.ValidationProblem(invalid.Errors, title: "The notice is not complete."),
            _ => throw new InvalidOperationException($"Unhandled outcome {outcome.GetType().Name}."),
        };
    }

    internal static async Task<Results<Ok<NoticeView>, ProblemHttpResult>> Get(long id, PrivacyNotices notices, CancellationToken ct) =>
        await notices.FindAsync(id, ct) is { } notice ? TypedResults.Ok(notice) : NotFound(id);

    internal static async Task<Results<Accepted<NoticeView>, ProblemHttpResult>> Send(long id, ClaimsPrincipal user, PrivacyNotices notices, CancellationToken ct)
    {
        var outcome = await notices.StartSendingAsync(StaffMember.From(user), id, ct);
        return outcome switch
        {
            SendNoticeOutcome.Started started => TypedResults.Accepted($"/api/support/notices/{id}", started.Notice),
            SendNoticeOutcome.Conflict conflict => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not sent", detail: conflict.Reason),
            _ => NotFound(id),
        };
    }

    private static ProblemHttpResult NotFound(long id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Notice not found", detail: $"No privacy notice has the id {id}.");
}
