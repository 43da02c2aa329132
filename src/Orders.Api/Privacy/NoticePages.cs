using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Api.Hosting;
using Orders.Api.Support;

namespace Orders.Api.Privacy;

// What the notice form posts, and shows back with its errors.
public sealed class NoticeForm
{
    public string? Subject { get; set; }
    public string? Body { get; set; }
    public string? EffectiveOn { get; set; }
    public string? RespondBy { get; set; }
}

// Privacy notices in the support console (admins): the list with each mailing's progress, a form
// to write one, and sending behind a confirmation step (Razor components in Console/). The pages
// call the same service as the API.
internal static class NoticePages
{
    public static IEndpointRouteBuilder MapNoticePages(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/support/notices").WithTags("Support pages").ExcludeFromDescription().RequireAuthorization(SupportPolicies.Admin);
        admin.MapGet("", ShowList);
        admin.MapGet("/new", ShowNew);
        admin.MapPost("/new", Create);
        admin.MapGet("/{id:long}", ShowNotice);
        admin.MapGet("/{id:long}/send", ShowSend);
        admin.MapPost("/{id:long}/send", Send);
        return app;
    }

    private static async Task<RazorComponentResult> ShowList(HttpContext context, PrivacyNotices notices, CancellationToken ct) =>
        ConsolePage.Render<NoticeListPage>(context, new { Notices = await notices.ListAsync(ct) });

    private static RazorComponentResult ShowNew(HttpContext context) => FormPage(context, new NoticeForm(), null, StatusCodes.Status200OK);

    private static async Task<Results<SeeOtherResult, RazorComponentResult>> Create([FromForm] NoticeForm? form, HttpContext context, PrivacyNotices notices, CancellationToken ct)
    {
        form ??= new NoticeForm();
        var outcome = await notices.CreateAsync(StaffMember.From(context.User), new NoticeDraft(form.Subject, form.Body, form.EffectiveOn, form.RespondBy), ct);
        return outcome switch
        {
            CreateNoticeOutcome.Created created => new SeeOtherResult($"/support/notices/{created.Notice.Id}?notice=created"),
            CreateNoticeOutcome.Invalid invalid => FormPage(context, form, invalid.Errors, StatusCodes.Status400BadRequest),
            _ => throw new InvalidOperationException($"Unhandled outcome {outcome.GetType().Name}."),
        };
    }

    private static RazorComponentResult FormPage(HttpContext context, NoticeForm form, Dictionary<string, string[]>? errors, int statusCode) =>
        ConsolePage.Render<NoticeFormPage>(context, new { Form = form, Errors = errors }, statusCode);

    private static async Task<RazorComponentResult> ShowNotice(long id, string? notice, string? error, HttpContext context, PrivacyNotices notices, CancellationToken ct)
    {
        var n = await notices.FindAsync(id, ct);
        if (n is null)
        {
            return NoticeNotFound(context, id);
        }

        var message = notice switch
        {
            "created" => "Saved as a draft. Nothing has been sent yet.",
            "sending" => "Sending has started. Each address gets the notice once, at the configured pace; reload this page to follow it.",
            _ => null,
        };
        var problem = error switch
        {
            "not-draft" => "This notice was already sent; it is sent only once.",
            "closed" => "The last day to answer has passed, so this notice can no longer be sent.",
            _ => null,
        };
        return ConsolePage.Render<NoticeDetailPage>(context, new { Notice = n, Message = message, Problem = problem });
    }

    private static async Task<RazorComponentResult> ShowSend(long id, HttpContext context, PrivacyNotices notices, CancellationToken ct)
    {
        var n = await notices.FindAsync(id, ct);
        if (n is null)
        {
            return NoticeNotFound(context, id);
        }

        var audience = n.Status == NoticeStatus.Draft ? await notices.AudienceAsync(ct) : 0;
        return ConsolePage.Render<NoticeSendPage>(context, new { Notice = n, Audience = audience });
    }

    private static async Task<Results<SeeOtherResult, RazorComponentResult>> Send(long id, HttpContext context, PrivacyNotices notices, CancellationToken ct)
    {
        var outcome = await notices.StartSendingAsync(StaffMember.From(context.User), id, ct);
        return outcome switch
        {
            SendNoticeOutcome.Started => new SeeOtherResult($"/support/notices/{id}?notice=sending"),
            SendNoticeOutcome.Conflict => await notices.FindAsync(id, ct) is { Status: NoticeStatus.Draft }
                ? new SeeOtherResult($"/support/notices/{id}?error=closed")
                : new SeeOtherResult($"/support/notices/{id}?error=not-draft"),
            _ => NoticeNotFound(context, id),
        };
    }

    private static RazorComponentResult NoticeNotFound(HttpContext context, long id) =>
        ConsolePage.Message(context, StatusCodes.Status404NotFound, "Notice not found", "Notice not found", $"No privacy notice has the id {id}.",
            "/support/notices", "All notices", section: "notices");
}
