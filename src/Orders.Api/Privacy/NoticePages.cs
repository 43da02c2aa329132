using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Api.Hosting;
using Orders.Api.Support;
using static Orders.Api.Pages.Html;
using static Orders.Api.Support.SupportLayout;

namespace Orders.Api.Privacy;

// Privacy notices in the support console (admins): the list with each mailing's progress, a form
// to write one, and sending behind a confirmation step. The pages call the same service as the API.
internal static class NoticePages
{
    internal sealed class NoticeForm
    {
        public string? Subject { get; set; }
        public string? Body { get; set; }
        public string? EffectiveOn { get; set; }
        public string? RespondBy { get; set; }
    }

    public static IEndpointRouteBuilder MapNoticePages(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/support/notices").WithTags("Support pages").ExcludeFromDescription().RequireAuthorization(SupportPolicies.Admin);
        admin.MapGet("", ListPage);
        admin.MapGet("/new", NewPage);
        admin.MapPost("/new", Create);
        admin.MapGet("/{id:long}", NoticePage);
        admin.MapGet("/{id:long}/send", SendPage);
        admin.MapPost("/{id:long}/send", Send);
        return app;
    }

    private static async Task<ContentHttpResult> ListPage(HttpContext context, PrivacyNotices notices, CancellationToken ct)
    {
        var all = await notices.ListAsync(ct);
        var rows = all.Count == 0
            ? """<tr><td colspan="7" class="empty">No notices yet.</td></tr>"""
            : string.Concat(all.Select(n => $"""
                <tr data-testid="notice-row">
                  <td class="num">{n.Id}</td>
                  <td><a href="/support/notices/{n.Id}">{E(n.Subject)}</a></td>
                  <td>{Badge(n.Status)}</td>
                  <td class="nowrap">{E(n.EffectiveOn)}</td>
                  <td class="nowrap">{E(n.RespondBy)}</td>
                  <td data-testid="notice-progress">{ProgressText(n)}</td>
                  <td class="nowrap">{n.Progress.Accepted} accepted · {n.Progress.Declined} declined</td>
                </tr>
                """));
        return Page(context, "Privacy notices", $"""
            <h1>Privacy notices</h1>
            <p class="lead">Before personal data is used in any new way, every customer is told by e-mail and chooses whether to agree.
            Each address gets a notice once; answers are recorded per address.</p>
            <p><a class="button" href="/support/notices/new">Write a notice</a></p>
            <section class="card" aria-label="Notices">
            <table>
            <thead><tr><th class="num">#</th><th>Subject</th><th>Status</th><th>Effective</th><th>Answer by</th><th>E-mails</th><th>Answers</th></tr></thead>
            <tbody>{rows}</tbody>
            </table>
            </section>
            """, section: "notices");
    }

    private static ContentHttpResult NewPage(HttpContext context) => FormPage(context, new NoticeForm(), null, StatusCodes.Status200OK);

    private static async Task<Results<SeeOtherResult, ContentHttpResult>> Create([FromForm] NoticeForm? form, HttpContext context, PrivacyNotices notices, CancellationToken ct)
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

    private static ContentHttpResult FormPage(HttpContext context, NoticeForm form, Dictionary<string, string[]>? errors, int statusCode)
    {
        string Error(string field) => errors?.TryGetValue(field, out var messages) == true
            ? $"""<div class="field-error" id="{field}-error" data-testid="{field}-error">{E(string.Join(" ", messages))}</div>"""
            : "";
        string Describe(string field) => errors?.ContainsKey(field) == true ? $"aria-invalid=\"true\" aria-describedby=\"{field}-error\"" : "";
        return Page(context, "Write a privacy notice", $"""
            <p class="crumbs"><a href="/support/notices">← Privacy notices</a></p>
            <div class="card">
            <h1>Write a privacy notice</h1>
            <p class="muted">Say plainly what new use of personal data is planned and why. Customers answer through a personal link in the e-mail;
            nothing is sent until you confirm on the next page.</p>
            {(errors is null ? "" : """<div class="notice error" role="alert">Please correct the fields marked below.</div>""")}
            <form method="post" action="/support/notices/new">
              {AntiforgeryField(context)}
              <label for="subject">Subject of the e-mail</label>
              <input id="subject" name="subject" type="text" required maxlength="{PrivacyNotices.MaxSubjectLength}" value="{E(form.Subject)}" {Describe("subject")}>
              {Error("subject")}
              <label for="body">Text</label>
              <textarea id="body" name="body" rows="12" required maxlength="{PrivacyNotices.MaxBodyLength}" {Describe("body")}>{E(form.Body)}</textarea>
              {Error("body")}
              <div class="grid2">
                <div>
                  <label for="effectiveOn">Effective date (the new use would start)</label>
                  <input id="effectiveOn" name="effectiveOn" type="date" required value="{E(form.EffectiveOn)}" {Describe("effectiveOn")}>
                  {Error("effectiveOn")}
                </div>
                <div>
                  <label for="respondBy">Customers can answer until (inclusive, UTC)</label>
                  <input id="respondBy" name="respondBy" type="date" required value="{E(form.RespondBy)}" {Describe("respondBy")}>
                  {Error("respondBy")}
                </div>
              </div>
              <div class="actions" style="margin-top:1rem">
                <button type="submit">Save as draft</button>
                <a class="button secondary" href="/support/notices">Cancel</a>
              </div>
            </form>
            </div>
            """, statusCode, "notices");
    }

    private static async Task<ContentHttpResult> NoticePage(long id, string? notice, string? error, HttpContext context, PrivacyNotices notices, CancellationToken ct)
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
        var p = n.Progress;
        var action = n.Status == NoticeStatus.Draft
            ? $"""<a class="button" href="/support/notices/{n.Id}/send">Send to all customers…</a>"""
            : "";
        return Page(context, $"Privacy notice #{n.Id}", $"""
            <p class="crumbs"><a href="/support/notices">← Privacy notices</a></p>
            {(message is null ? "" : $"""<div class="notice ok" role="status" data-testid="notice">{E(message)}</div>""")}
            {(problem is null ? "" : $"""<div class="notice error" role="alert">{E(problem)}</div>""")}
            <h1>{E(n.Subject)} <span data-testid="notice-status">{Badge(n.Status)}</span></h1>
            <p class="lead">Effective {E(n.EffectiveOn)} · answers until {E(n.RespondBy)} · written by {E(n.CreatedBy)} {Time(n.CreatedAt)}</p>
            <section class="card" aria-label="Actions"><div class="actions">{action}</div></section>
            <section class="card" aria-label="Progress">
              <h2>Mailing</h2>
              <dl data-testid="notice-progress">
                <dt>Started</dt><dd>{Time(n.SendStartedAt)}</dd>
                <dt>Recipients</dt><dd>{p.Recipients}{(n.Status == NoticeStatus.Sending && !p.Listed ? " listed so far (still listing addresses)" : "")}</dd>
                <dt>Sent</dt><dd data-testid="sent">{p.Sent}</dd>
                <dt>Waiting or retrying</dt><dd>{p.Waiting}</dd>
                <dt>Failed</dt><dd>{p.Failed}</dd>
                <dt>Not sent (erased)</dt><dd>{p.Canceled}</dd>
                <dt>All queued</dt><dd>{Time(n.FinishedAt)}</dd>
                <dt>Answers</dt><dd data-testid="answers">{p.Accepted} accepted · {p.Declined} declined · {p.Recipients - p.Accepted - p.Declined} no answer</dd>
              </dl>
            </section>
            <section class="card" aria-label="Text"><h2>Text</h2><div style="white-space: pre-wrap">{E(n.Body)}</div></section>
            """, section: "notices");
    }

    private static async Task<ContentHttpResult> SendPage(long id, HttpContext context, PrivacyNotices notices, CancellationToken ct)
    {
        var n = await notices.FindAsync(id, ct);
        if (n is null)
        {
            return NoticeNotFound(context, id);
        }

        var body = n.Status != NoticeStatus.Draft
            ? $"""<div class="notice error" role="alert">This notice is already {E(n.Status)}; it is sent only once.</div><p><a href="/support/notices/{n.Id}">Back to the notice</a></p>"""
            : $"""
                <p>This e-mails the notice <strong>{E(n.Subject)}</strong> to every customer who paid for an order and has not been erased:
                <strong data-testid="audience">{(await notices.AudienceAsync(ct)).ToString("N0", CultureInfo.InvariantCulture)}</strong> address(es) today, each once.
                Each e-mail carries a personal link to agree or not, until {E(n.RespondBy)}.</p>
                <p>It cannot be undone or changed once sending has started.</p>
                <form method="post" action="/support/notices/{n.Id}/send">
                  {AntiforgeryField(context)}
                  <div class="actions">
                    <button type="submit" class="danger">Send the notice</button>
                    <a class="button secondary" href="/support/notices/{n.Id}">Cancel</a>
                  </div>
                </form>
                """;
        return Page(context, $"Send privacy notice #{n.Id}", $"""
            <p class="crumbs"><a href="/support/notices/{n.Id}">← Notice #{n.Id}</a></p>
            <div class="card">
            <h1>Send privacy notice #{n.Id}</h1>
            {body}
            </div>
            """, section: "notices");
    }

    private static async Task<Results<SeeOtherResult, ContentHttpResult>> Send(long id, HttpContext context, PrivacyNotices notices, CancellationToken ct)
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

    private static string ProgressText(NoticeView n)
    {
        if (n.Status == NoticeStatus.Draft)
        {
            return """<span class="muted">not sent</span>""";
        }

        var p = n.Progress;
        var total = p.Listed ? p.Recipients.ToString(CultureInfo.InvariantCulture) : $"{p.Recipients}+ (listing)";
        return $"{p.Sent} of {E(total)} sent{(p.Failed > 0 ? $" · {p.Failed} failed" : "")}{(p.Waiting > 0 ? $" · {p.Waiting} waiting" : "")}";
    }

    private static ContentHttpResult NoticeNotFound(HttpContext context, long id) =>
        Page(context, "Notice not found", $"""
            <div class="card">
            <h1>Notice not found</h1>
            <p>No privacy notice has the id {id}.</p>
            <p><a href="/support/notices">All notices</a></p>
            </div>
            """, StatusCodes.Status404NotFound, "notices");
}
