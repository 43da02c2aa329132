using System.Globalization;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Pages;

namespace Orders.Api.Privacy;

// What the consent page shows of one recipient's notice.
public sealed record ConsentNotice(long Id, string Subject, string Body, DateTime EffectiveOn, DateTime RespondBy, string? Choice, DateTime? ChosenAt);

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

    private static async Task<IResult> ConsentPage(string recipientId, string? token, string? saved, HttpContext context, Db db,
        NoticeTokens tokens, TimeProvider time, CancellationToken ct)
    {
        NoStore(context);
        var row = await FindAsync(recipientId, token, db, tokens, time, ct);
        return row is null ? NotFoundPage() : ConsentView(row, token!, saved is not null, null, StatusCodes.Status200OK);
    }

    private static async Task<IResult> Choose(string recipientId, [FromForm] ConsentForm? form, HttpContext context, Db db,
        NoticeTokens tokens, TimeProvider time, CancellationToken ct)
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
            return ConsentView(row, token!, false, "Choose one of the two buttons.", StatusCodes.Status400BadRequest);
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

    private static RazorComponentResult<ConsentPage> ConsentView(RecipientRow r, string token, bool saved, string? error, int statusCode) =>
        new(new
        {
            Notice = new ConsentNotice(r.Id, r.Subject, r.Body, r.EffectiveOn, r.RespondBy, r.Choice, r.ChosenAt),
            Token = token,
            Saved = saved,
            Error = error,
        })
        { StatusCode = statusCode };

    // One page for every way a link can fail: it must not tell a guesser what exists.
    private static RazorComponentResult<MessagePage> NotFoundPage() =>
        ShopPages.Message(StatusCodes.Status404NotFound, "This link does not work", "It may be incomplete, or the time to answer has passed.", noIndex: true);

    // The page carries the customer's personal link: no cache may keep it. With no-cache too, as
    // antiforgery wants on a page with its field (else it rewrites the header and logs a warning).
    private static void NoStore(HttpContext context) => context.Response.Headers.CacheControl = "no-cache, no-store";

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
