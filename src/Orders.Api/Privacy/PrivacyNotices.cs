using System.Data.Common;
using System.Globalization;
using Dapper;
using Hangfire;
using Orders.Api.Data;
using Orders.Api.Support;

namespace Orders.Api.Privacy;

internal static class NoticeStatus
{
    public const string Draft = "draft";
    public const string Sending = "sending";
    public const string Sent = "sent";
}

// A notice with how far its mailing got. Recipients: addresses listed so far (the whole list once
// Listed is true). Waiting: listed but not yet sent (or being retried).
internal sealed record NoticeView(
    long Id,
    string Subject,
    string Body,
    string EffectiveOn,
    string RespondBy,
    string Status,
    string CreatedBy,
    DateTime CreatedAt,
    DateTime? SendStartedAt,
    DateTime? FinishedAt,
    NoticeProgress Progress);

internal sealed record NoticeProgress(bool Listed, long Recipients, long Sent, long Failed, long Canceled, long Waiting, long Accepted, long Declined);

internal sealed record NoticeDraft(string? Subject, string? Body, string? EffectiveOn, string? RespondBy);

internal abstract record CreateNoticeOutcome
{
    public sealed record Created(NoticeView Notice) : CreateNoticeOutcome;

    public sealed record Invalid(Dictionary<string, string[]> Errors) : CreateNoticeOutcome;
}

internal abstract record SendNoticeOutcome
{
    public sealed record Started(NoticeView Notice) : SendNoticeOutcome;

    public sealed record NotFound : SendNoticeOutcome;

    // Already sending or sent, or its consent window has closed.
    public sealed record Conflict(string Reason) : SendNoticeOutcome;
}

// Privacy notices as the admin sees them: write one, list them with their progress, start sending.
// Sending only flips the notice to 'sending' (a conditional update, so a second click is a no-op)
// and wakes the mailing job; the job does the rest from what the database records.
internal sealed class PrivacyNotices(Db db, AuditLog audit, IBackgroundJobClient jobs, TimeProvider time)
{
    public const int MaxSubjectLength = 200;
    public const int MaxBodyLength = 20_000;
    public const string DateFormat = "yyyy-MM-dd";

    private const string Columns = """
        id AS Id, subject AS Subject, body AS Body, effective_on AS EffectiveOn, respond_by AS RespondBy, status AS Status,
        created_by AS CreatedBy, created_at AS CreatedAt, send_started_at AS SendStartedAt, recipients_listed_at AS RecipientsListedAt,
        finished_at AS FinishedAt
        """;

    private static readonly Dialect InsertSql = new(
        Sqlite: """
            INSERT INTO privacy_notices (subject, body, effective_on, respond_by, status, created_by, created_at)
            VALUES (@Subject, @Body, @EffectiveOn, @RespondBy, 'draft', @CreatedBy, @Now)
            RETURNING id
            """,
        SqlServer: """
            INSERT INTO privacy_notices (subject, body, effective_on, respond_by, status, created_by, created_at)
            OUTPUT INSERTED.id
            VALUES (@Subject, @Body, @EffectiveOn, @RespondBy, 'draft', @CreatedBy, @Now)
            """,
        // The date is sent as yyyy-MM-dd text, which PostgreSQL does not turn into a date unasked.
        PostgreSql: """
            INSERT INTO privacy_notices (subject, body, effective_on, respond_by, status, created_by, created_at)
            VALUES (@Subject, @Body, CAST(@EffectiveOn AS date), @RespondBy, 'draft', @CreatedBy, @Now)
            RETURNING id
            """);

    private const string NoticeSql = $"SELECT {Columns} FROM privacy_notices WHERE id = @Id";

    private const string AllNoticesSql = $"SELECT {Columns} FROM privacy_notices ORDER BY id DESC";

    private const string ProgressSql = """
        SELECT r.notice_id AS NoticeId,
               COUNT(*) AS Recipients,
               SUM(CASE WHEN d.status = 'sent' THEN 1 ELSE 0 END) AS Sent,
               SUM(CASE WHEN d.status = 'failed' THEN 1 ELSE 0 END) AS Failed,
               SUM(CASE WHEN d.status = 'canceled' THEN 1 ELSE 0 END) AS Canceled,
               SUM(CASE WHEN r.choice = 'accepted' THEN 1 ELSE 0 END) AS Accepted,
               SUM(CASE WHEN r.choice = 'declined' THEN 1 ELSE 0 END) AS Declined
        FROM privacy_notice_recipients r
        LEFT JOIN deliveries d ON d.id = r.delivery_id
        WHERE r.notice_id IN @Ids
        GROUP BY r.notice_id
        """;

    // Who a notice would reach if sent now: every distinct address of a customer who paid, unless erased.
    private const string AudienceSql = """
        SELECT COUNT(DISTINCT email_lower) FROM orders WHERE erased_at IS NULL AND paid_at IS NOT NULL
        """;

    private const string StartSql = """
        UPDATE privacy_notices SET status = 'sending', send_started_at = @Now
        WHERE id = @Id AND status = 'draft' AND respond_by > @Now
        """;

    public static Dictionary<string, string[]> Validate(NoticeDraft draft, DateOnly today, out (string Subject, string Body, DateOnly EffectiveOn, DateOnly RespondBy) notice)
    {
        var errors = new Dictionary<string, string[]>();
        var subject = draft.Subject?.Trim() ?? "";
        var body = draft.Body?.Replace("\r\n", "\n", StringComparison.Ordinal).Trim() ?? "";
        if (subject.Length == 0)
        {
            errors["subject"] = ["Give the e-mail a subject."];
        }
        else if (subject.Length > MaxSubjectLength || subject.Any(char.IsControl))
        {
            errors["subject"] = [$"One line of at most {MaxSubjectLength} characters."];
        }

        if (body.Length == 0)
        {
            errors["body"] = ["Write the text of the notice: what new use of personal data is planned, and why."];
        }
        else if (body.Length > MaxBodyLength)
        {
            errors["body"] = [$"At most {MaxBodyLength} characters."];
        }

        var effective = ParseDate(draft.EffectiveOn);
        var respondBy = ParseDate(draft.RespondBy);
        if (effective is null)
        {
            errors["effectiveOn"] = ["Give the date the new use would start, as YYYY-MM-DD."];
        }
        else if (effective < today)
        {
            errors["effectiveOn"] = ["The effective date cannot be in the past."];
        }

        if (respondBy is null)
        {
            errors["respondBy"] = ["Give the last day customers can answer, as YYYY-MM-DD."];
        }
        else if (respondBy < today)
        {
            errors["respondBy"] = ["The last day to answer cannot be in the past."];
        }
        else if (effective is not null && respondBy > effective)
        {
            errors["respondBy"] = ["Customers must be able to answer before the new use starts: the last day to answer must be on or before the effective date."];
        }

        notice = (subject, body, effective ?? default, respondBy ?? default);
        return errors;
    }

    // The consent links work until the end of the respond-by day (UTC).
    public static DateTime RespondByEnd(DateOnly respondBy) => respondBy.ToDateTime(new TimeOnly(23, 59, 59, 999), DateTimeKind.Utc);

    public async Task<CreateNoticeOutcome> CreateAsync(StaffMember staff, NoticeDraft draft, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var errors = Validate(draft, DateOnly.FromDateTime(now), out var n);
        if (errors.Count > 0)
        {
            return new CreateNoticeOutcome.Invalid(errors);
        }

        long id;
        await using (var connection = await db.OpenAsync(ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(db.Pick(InsertSql), new
            {
                n.Subject,
                n.Body,
                EffectiveOn = n.EffectiveOn.ToString(DateFormat, CultureInfo.InvariantCulture),
                RespondBy = RespondByEnd(n.RespondBy),
                CreatedBy = staff.Username,
                Now = now,
            }, tx, cancellationToken: ct));
            await audit.WriteAsync(connection, tx, staff, AuditActions.PrivacyNoticeCreated, null, null, $"privacy notice #{id}", ct);
            await tx.CommitAsync(ct);
        }

        return new CreateNoticeOutcome.Created((await FindAsync(id, ct))!);
    }

    public async Task<SendNoticeOutcome> StartSendingAsync(StaffMember staff, long id, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using (var connection = await db.OpenAsync(ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            var started = await connection.ExecuteAsync(new CommandDefinition(StartSql, new { Id = id, Now = now }, tx, cancellationToken: ct));
            if (started == 0)
            {
                await tx.RollbackAsync(ct);
                var existing = await LoadAsync(connection, id, ct);
                return existing switch
                {
                    null => new SendNoticeOutcome.NotFound(),
                    { Status: NoticeStatus.Draft } => new SendNoticeOutcome.Conflict("The last day to answer has passed; write a new notice with a later date."),
                    _ => new SendNoticeOutcome.Conflict($"This notice is already {existing.Status}; it is sent only once."),
                };
            }

            await audit.WriteAsync(connection, tx, staff, AuditActions.PrivacyNoticeSent, null, null, $"privacy notice #{id}: sending started", ct);
            await tx.CommitAsync(ct);
        }

        jobs.Enqueue<PrivacyNoticeMailingJob>(job => job.RunAsync(CancellationToken.None));
        return new SendNoticeOutcome.Started((await FindAsync(id, ct))!);
    }

    public async Task<NoticeView?> FindAsync(long id, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var row = await LoadAsync(connection, id, ct);
        return row is null ? null : (await WithProgressAsync(connection, [row], ct))[0];
    }

    public async Task<IReadOnlyList<NoticeView>> ListAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var rows = (await connection.QueryAsync<NoticeRow>(new CommandDefinition(AllNoticesSql, cancellationToken: ct))).ToList();
        return await WithProgressAsync(connection, rows, ct);
    }

    public async Task<long> AudienceAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(AudienceSql, cancellationToken: ct));
    }

    private static Task<NoticeRow?> LoadAsync(DbConnection connection, long id, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<NoticeRow>(new CommandDefinition(NoticeSql, new { Id = id }, cancellationToken: ct));

    private static async Task<IReadOnlyList<NoticeView>> WithProgressAsync(DbConnection connection, List<NoticeRow> rows, CancellationToken ct)
    {
        var started = rows.Where(r => r.Status != NoticeStatus.Draft).Select(r => r.Id).ToList();
        var progress = started.Count == 0
            ? []
            : (await connection.QueryAsync<ProgressRow>(new CommandDefinition(ProgressSql, new { Ids = started }, cancellationToken: ct))).ToDictionary(p => p.NoticeId);
        return [.. rows.Select(r =>
        {
            var p = progress.GetValueOrDefault(r.Id) ?? new ProgressRow();
            var waiting = p.Recipients - p.Sent - p.Failed - p.Canceled;
            return new NoticeView(r.Id, r.Subject, r.Body, DateOnly.FromDateTime(r.EffectiveOn).ToString(DateFormat, CultureInfo.InvariantCulture),
                DateOnly.FromDateTime(r.RespondBy).ToString(DateFormat, CultureInfo.InvariantCulture), r.Status, r.CreatedBy, r.CreatedAt,
                r.SendStartedAt, r.FinishedAt,
                new NoticeProgress(r.RecipientsListedAt is not null, p.Recipients, p.Sent, p.Failed, p.Canceled, waiting, p.Accepted, p.Declined));
        })];
    }

    private static DateOnly? ParseDate(string? value) =>
        DateOnly.TryParseExact(value?.Trim(), DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    private sealed class NoticeRow
    {
        public long Id { get; init; }
        public string Subject { get; init; } = "";
        public string Body { get; init; } = "";
        public DateTime EffectiveOn { get; init; }
        public DateTime RespondBy { get; init; }
        public string Status { get; init; } = "";
        public string CreatedBy { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public DateTime? SendStartedAt { get; init; }
        public DateTime? RecipientsListedAt { get; init; }
        public DateTime? FinishedAt { get; init; }
    }

    private sealed class ProgressRow
    {
        public long NoticeId { get; init; }
        public long Recipients { get; init; }
        public long Sent { get; init; }
        public long Failed { get; init; }
        public long Canceled { get; init; }
        public long Accepted { get; init; }
        public long Declined { get; init; }
    }
}
