using System.Data.Common;
using System.Globalization;
using System.Net;
using Dapper;
using Microsoft.Extensions.Options;
using MimeKit;
using Orders.Api.Hosting;
using Orders.Api.Mail;

namespace Orders.Api.Privacy;

// The privacy-notice e-mail: the notice's text, when the new use would start, and the customer's
// personal link to accept or decline. It needs no license; it is composed from the recipient row the
// delivery's dedupe key names.
internal sealed class PrivacyNoticeEmail(MailSender sender, NoticeTokens tokens, PublicAddress publicAddress, TimeProvider time) : IDeliveryComposer
{
    public string Kind => DeliveryKinds.PrivacyNotice;

    public const string DedupePrefix = "privacy-notice:";

    // The shop's privacy page (PrivacyPolicyPage): the policy and every published notice.
    public const string PrivacyPath = "/privacy";

    private const string DedupeKeySql = "SELECT dedupe_key FROM deliveries WHERE id = @Id";

    private const string RecipientSql = """
        SELECT r.id AS RecipientId, r.email_lower AS EmailLower, n.id AS NoticeId, n.subject AS Subject, n.body AS Body,
               n.effective_on AS EffectiveOn, n.respond_by AS RespondBy, o.erased_at AS ErasedAt
        FROM privacy_notice_recipients r
        JOIN privacy_notices n ON n.id = r.notice_id
        JOIN orders o ON o.id = r.order_id
        WHERE r.id = @RecipientId
        """;

    public static string DedupeKey(long recipientId) => DedupePrefix + recipientId.ToString(CultureInfo.InvariantCulture);

    // Nothing is sent if the customer was erased meanwhile or the notice's answer window has closed.
    public async Task<ComposedEmail> ComposeAsync(DbConnection connection, long deliveryId, string toAddress, CancellationToken ct)
    {
        var stem = string.Create(CultureInfo.InvariantCulture, $"{deliveryId:D8}-{DeliveryKinds.PrivacyNotice}");
        var key = await connection.ExecuteScalarAsync<string>(new CommandDefinition(DedupeKeySql, new { Id = deliveryId }, cancellationToken: ct));
        if (key is null || !key.StartsWith(DedupePrefix, StringComparison.Ordinal)
            || !long.TryParse(key.AsSpan(DedupePrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var recipientId))
        {
            return new ComposedEmail(null, "no privacy-notice recipient", stem);
        }

        var r = await connection.QuerySingleOrDefaultAsync<RecipientRow>(new CommandDefinition(RecipientSql, new { RecipientId = recipientId }, cancellationToken: ct));
        if (r is null || r.ErasedAt is not null || r.EmailLower.StartsWith("erased:", StringComparison.Ordinal))
        {
            return new ComposedEmail(null, "customer data erased", stem);
        }

        if (r.RespondBy <= time.GetUtcNow().UtcDateTime)
        {
            return new ComposedEmail(null, "the notice's consent window has closed", stem);
        }

        var link = publicAddress.Resolve(NoticeTokens.Path(recipientId, tokens.For(recipientId)));
        var policy = publicAddress.Resolve(PrivacyPath);
        var effective = DateOnly.FromDateTime(r.EffectiveOn).ToString("d MMMM yyyy", CultureInfo.InvariantCulture);
        var respondBy = DateOnly.FromDateTime(r.RespondBy).ToString("d MMMM yyyy", CultureInfo.InvariantCulture);

        var message = new MimeMessage();
        sender.Address(message);
        message.To.Add(MailboxAddress.Parse(toAddress));
        message.Subject = r.Subject;
        message.MessageId = string.Create(CultureInfo.InvariantCulture, $"delivery-{deliveryId}.privacy-notice-{r.NoticeId}@orders.invalid");

        var text = $"""
            {r.Body}

            This would apply from {effective}. Nothing changes for you unless you agree.

            Please tell us whether you agree, by {respondBy}:
            {link.AbsoluteUri}

            The link is personal to you; you can change your answer there until {respondBy}.
            You receive this e-mail because you bought a license from us. We do not send advertising.
            Our privacy policy and every notice we have sent: {policy.AbsoluteUri}
            """;

        var e = (string s) => WebUtility.HtmlEncode(s);
        var paragraphs = string.Concat(r.Body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(p => $"<p>{e(p.Trim()).Replace("\n", "<br>", StringComparison.Ordinal)}</p>"));
        var html = $"""
            <!doctype html>
            <html><body style="font-family: sans-serif; line-height: 1.5">
            {paragraphs}
            <p>This would apply from <strong>{e(effective)}</strong>. Nothing changes for you unless you agree.</p>
            <p><a href="{e(link.AbsoluteUri)}">Tell us whether you agree</a> (by {e(respondBy)}).</p>
            <p style="color: #666">The link is personal to you; you can change your answer there until {e(respondBy)}.
            You receive this e-mail because you bought a license from us. We do not send advertising.
            <a href="{e(policy.AbsoluteUri)}">Our privacy policy and every notice we have sent</a>.</p>
            </body></html>
            """;

        message.Body = new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody();
        return new ComposedEmail(message, null, stem);
    }

    private sealed class RecipientRow
    {
        public long RecipientId { get; init; }
        public string EmailLower { get; init; } = "";
        public long NoticeId { get; init; }
        public string Subject { get; init; } = "";
        public string Body { get; init; } = "";
        public DateTime EffectiveOn { get; init; }
        public DateTime RespondBy { get; init; }
        public DateTime? ErasedAt { get; init; }
    }
}
