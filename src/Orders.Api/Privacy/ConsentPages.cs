using System.Globalization;
using Dapper;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Api.Data;
using Orders.Api.Hosting;
using static Orders.Api.Pages.Html;

namespace Orders.Api.Privacy;

// The page a privacy-notice e-mail links to: the notice, the customer's current answer, and two
// buttons. Only the personal link opens it; a wrong token, an unknown or erased recipient and a
// link past its respond-by date all get the same 404 page, which says nothing about which it was.
internal static class ConsentPages
{
    public const string Accepted = "accepted";
    public const string Declined = "declined";

    internal sealed class ConsentForm
    {
        public string? Token { get; set; }
        public string? Choice { get; set; }
    }

    private const string RecipientSql = """
        SELECT r.id AS Id, r.email_lower AS EmailLower, r.choice AS Choice, r.chosen_at AS ChosenAt,
               n.subject AS Subject, n.body AS Body, n.effective_on AS EffectiveOn, n.respond_by AS RespondBy, o.erased_at AS ErasedAt
        FROM privacy_notice_recipients r
        JOIN privacy_notices n ON n.id = r.notice_id
        JOIN orders o ON o.id = r.order_id
        WHERE r.id = @Id
        """;

    // A second click changes the answer; the same answer again keeps its first time.
    private const string ChooseSql = """
        UPDATE privacy_notice_recipients SET choice = @Choice, chosen_at = @Now
        WHERE id = @Id AND email_lower NOT LIKE 'erased:%' AND (choice IS NULL OR choice <> @Choice)
          AND EXISTS (SELECT 1 FROM privacy_notices n WHERE n.id = privacy_notice_recipients.notice_id AND n.respond_by > @Now)
          AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = privacy_notice_recipients.order_id AND o.erased_at IS NOT NULL)
        """;

    public static IEndpointRouteBuilder MapConsentPages(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("/privacy/notices").WithTags("Pages").ExcludeFromDescription().RequireRateLimiting(RateLimits.Consent);
        pages.MapGet("/{recipientId}", ConsentPage);
        pages.MapPost("/{recipientId}", Choose);
        return app;
    }

    private static async Task<ContentHttpResult> ConsentPage(string recipientId, string? token, string? saved, HttpContext context, Db db,
        NoticeTokens tokens, IAntiforgery antiforgery, TimeProvider time, CancellationToken ct)
    {
        NoStore(context);
        var row = await FindAsync(recipientId, token, db, tokens, time, ct);
        return row is null ? NotFoundPage() : ConsentView(context, antiforgery, row, token!, saved is not null, null, StatusCodes.Status200OK);
    }

    private static async Task<Results<SeeOtherResult, ContentHttpResult>> Choose(string recipientId, [FromForm] ConsentForm? form, HttpContext context, Db db,
        NoticeTokens tokens, IAntiforgery antiforgery, TimeProvider time, CancellationToken ct)
    {
        NoStore(context);
        var token = form?.Token;
        var row = await FindAsync(recipientId, token, db, tokens, time, ct);
        if (row is null)
        {
            return NotFoundPage();
        }

        if (form?.Choice is not (Accepted or Declined))
        {
            return ConsentView(context, antiforgery, row, token!, false, "Choose one of the two buttons.", StatusCodes.Status400BadRequest);
        }

        await using (var connection = await db.OpenAsync(ct))
        using (await db.WriteTurnAsync(WritePriority.Interactive, ct))
        {
            await connection.ExecuteAsync(new CommandDefinition(ChooseSql, new { row.Id, form.Choice, Now = time.GetUtcNow().UtcDateTime }, cancellationToken: ct));
        }

        // Re-read: the answer shown is the one the database holds (an erasure or the deadline may
        // have come in between, and then the link no longer works).
        return await FindAsync(recipientId, token, db, tokens, time, ct) is null
            ? NotFoundPage()
            : new SeeOtherResult(NoticeTokens.Path(row.Id, token!) + "&saved=1");
    }

    private static async Task<RecipientRow?> FindAsync(string recipientId, string? token, Db db, NoticeTokens tokens, TimeProvider time, CancellationToken ct)
    {
        if (!long.TryParse(recipientId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || !tokens.Matches(id, token))
        {
            return null;
        }

        await using var connection = await db.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<RecipientRow>(new CommandDefinition(RecipientSql, new { Id = id }, cancellationToken: ct));
        var expired = row is not null && row.RespondBy <= time.GetUtcNow().UtcDateTime;
        var erased = row is not null && (row.ErasedAt is not null || row.EmailLower.StartsWith("erased:", StringComparison.Ordinal));
        return row is null || expired || erased ? null : row;
    }

    private static ContentHttpResult ConsentView(HttpContext context, IAntiforgery antiforgery, RecipientRow r, string token, bool saved, string? error, int statusCode)
    {
        var af = antiforgery.GetAndStoreTokens(context);
        var effective = DateOnly.FromDateTime(r.EffectiveOn).ToString("d MMMM yyyy", CultureInfo.InvariantCulture);
        var respondBy = DateOnly.FromDateTime(r.RespondBy).ToString("d MMMM yyyy", CultureInfo.InvariantCulture);
        var paragraphs = string.Concat(r.Body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(p => $"<p>{E(p.Trim()).Replace("\n", "<br>", StringComparison.Ordinal)}</p>"));
        var current = r.Choice switch
        {
            Accepted => $"You <strong>agreed</strong> on {E(When(r.ChosenAt))}.",
            Declined => $"You <strong>did not agree</strong> (answered on {E(When(r.ChosenAt))}).",
            _ => "You have not answered yet. Until you agree, nothing changes for you.",
        };
        return Page(r.Subject, $"""
            <h1>{E(r.Subject)}</h1>
            {(saved ? """<p role="status" data-testid="saved"><strong>Thank you: your answer is recorded.</strong></p>""" : "")}
            {paragraphs}
            <p>This would apply from <strong>{E(effective)}</strong>.</p>
            <h2>Your answer</h2>
            <p data-testid="current-choice" data-choice="{E(r.Choice ?? "none")}">{current}</p>
            {(error is null ? "" : $"""<p class="error" role="alert">{E(error)}</p>""")}
            <form method="post" action="/privacy/notices/{r.Id}">
              <input type="hidden" name="{E(af.FormFieldName)}" value="{E(af.RequestToken)}">
              <input type="hidden" name="token" value="{E(token)}">
              <button type="submit" name="choice" value="{Accepted}">I agree</button>
              <button type="submit" name="choice" value="{Declined}">I do not agree</button>
            </form>
            <p>You can change your answer here until {E(respondBy)}.</p>
            """, statusCode, head: """<meta name="robots" content="noindex">""");
    }

    // One page for every way a link can fail: it must not tell a guesser what exists.
    private static ContentHttpResult NotFoundPage() =>
        Page("Link not valid", """
            <h1>This link does not work</h1>
            <p>It may be incomplete, or the time to answer has passed.</p>
            """, StatusCodes.Status404NotFound, head: """<meta name="robots" content="noindex">""");

    private static string When(DateTime? utc) => utc?.ToString("d MMMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? "";

    // The page carries the customer's personal link: no cache may keep it.
    private static void NoStore(HttpContext context) => context.Response.Headers.CacheControl = "no-store";

    private sealed class RecipientRow
    {
        public long Id { get; init; }
        public string EmailLower { get; init; } = "";
        public string? Choice { get; init; }
        public DateTime? ChosenAt { get; init; }
        public string Subject { get; init; } = "";
        public string Body { get; init; } = "";
        public DateTime EffectiveOn { get; init; }
        public DateTime RespondBy { get; init; }
        public DateTime? ErasedAt { get; init; }
    }
}
