using System.Data.Common;
using Dapper;

namespace Orders.Api.Orders;

// One privacy notice as it concerns one address: when it was e-mailed (the delivery's status and
// time) and what the customer chose, and when. Choice null: no answer (yet).
public sealed record ConsentRecord(
    long NoticeId,
    string Subject,
    DateOnly EffectiveOn,
    DateTime RespondBy,
    string? DeliveryStatus,
    DateTime? SentAt,
    string? Choice,
    DateTime? ChosenAt);

// The consent record per address and notice: part of what is known about an order, shown on the
// customer's status page and the support order page, and in the customer export.
internal static class PrivacyConsents
{
    private const string Columns = """
        n.id AS NoticeId, n.subject AS Subject, n.effective_on AS EffectiveOn, n.respond_by AS RespondBy,
        d.status AS DeliveryStatus, d.sent_at AS SentAt, r.choice AS Choice, r.chosen_at AS ChosenAt
        """;

    private const string ForAddressSql = $"""
        SELECT {Columns}
        FROM privacy_notice_recipients r
        JOIN privacy_notices n ON n.id = r.notice_id
        LEFT JOIN deliveries d ON d.id = r.delivery_id
        WHERE r.email_lower = @EmailLower
        ORDER BY n.id
        """;

    // The address as the database lower-cases it (orders.email_lower), so both sides agree.
    private const string ForOrderSql = $"""
        SELECT {Columns}
        FROM privacy_notice_recipients r
        JOIN privacy_notices n ON n.id = r.notice_id
        LEFT JOIN deliveries d ON d.id = r.delivery_id
        WHERE r.email_lower = (SELECT o.email_lower FROM orders o WHERE o.id = @OrderId)
        ORDER BY n.id
        """;

    // emailLower as orders.email_lower holds it (the database's lower(email)).
    public static async Task<IReadOnlyList<ConsentRecord>> ForAddressAsync(DbConnection connection, string emailLower, CancellationToken ct) =>
        [.. (await connection.QueryAsync<Row>(new CommandDefinition(ForAddressSql, new { EmailLower = emailLower }, cancellationToken: ct))).Select(r => r.ToRecord())];

    public static async Task<IReadOnlyList<ConsentRecord>> ForOrderAsync(DbConnection connection, long orderId, CancellationToken ct) =>
        [.. (await connection.QueryAsync<Row>(new CommandDefinition(ForOrderSql, new { OrderId = orderId }, cancellationToken: ct))).Select(r => r.ToRecord())];

    private sealed class Row
    {
        public long NoticeId { get; init; }
        public string Subject { get; init; } = "";
        public DateTime EffectiveOn { get; init; }
        public DateTime RespondBy { get; init; }
        public string? DeliveryStatus { get; init; }
        public DateTime? SentAt { get; init; }
        public string? Choice { get; init; }
        public DateTime? ChosenAt { get; init; }

        public ConsentRecord ToRecord() => new(NoticeId, Subject, DateOnly.FromDateTime(EffectiveOn), RespondBy, DeliveryStatus, SentAt, Choice, ChosenAt);
    }
}
