using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Options;
using MimeKit;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Orders;
using Orders.Api.Payments;

namespace Orders.Api.Mail;

// What happened to a paid order, told to its customer: a refund (full or partial), a reversal or
// chargeback, a license revoked by staff. The row is written in the transaction that changes the
// order, once per event (the dedupe key), and never for an erased order; the message is composed
// when it is sent, from what the database says then, and never carries the key.
internal static class OrderNotices
{
    private static readonly Dialect InsertSql = new(
        Sqlite: """
            INSERT INTO deliveries (order_id, kind, dedupe_key, to_address, status, attempts, created_at, next_attempt_at)
            SELECT o.id, @Kind, @DedupeKey, o.email, 'pending', 0, @Now, @Now FROM orders o
            WHERE o.id = @OrderId AND o.erased_at IS NULL
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id
            """,
        SqlServer: """
            INSERT INTO deliveries (order_id, kind, dedupe_key, to_address, status, attempts, created_at, next_attempt_at)
            OUTPUT INSERTED.id
            SELECT o.id, @Kind, @DedupeKey, o.email, 'pending', 0, @Now, @Now FROM orders o
            WHERE o.id = @OrderId AND o.erased_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM deliveries WITH (UPDLOCK, HOLDLOCK) WHERE dedupe_key = @DedupeKey)
            """,
        PostgreSql: """
            INSERT INTO deliveries (order_id, kind, dedupe_key, to_address, status, attempts, created_at, next_attempt_at)
            SELECT o.id, @Kind, @DedupeKey, o.email, 'pending', 0, @Now, @Now FROM orders o
            WHERE o.id = @OrderId AND o.erased_at IS NULL
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id
            """);

    // The webhook, the API's answer and retries of one refund carry one refund id: one e-mail. The
    // id is hashed to a fixed length (providers' ids can be long).
    public static string RefundKey(long orderId, string refundRef) =>
        string.Create(CultureInfo.InvariantCulture, $"refund:{orderId}:{RefundRefDigest(refundRef)}");

    // An order is reversed at most once (the state machine has no way out of reversed).
    public static string ReversalKey(long orderId) => string.Create(CultureInfo.InvariantCulture, $"reversal:{orderId}");

    // One staff revocation revokes every active license of the order at one instant.
    public static string RevocationKey(long orderId, DateTime revokedAt) =>
        string.Create(CultureInfo.InvariantCulture, $"revocation:{orderId}:{revokedAt:yyyyMMddHHmmssfff}");

    public static string RefundRefDigest(string refundRef) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(refundRef)))[..32];

    // The new row's id (to enqueue after the commit), or null: sent before, or the order was erased.
    public static Task<long?> QueueAsync(Db db, DbConnection connection, DbTransaction tx, long orderId, string kind, string dedupeKey, DateTime now, CancellationToken ct) =>
        connection.ExecuteScalarAsync<long?>(new CommandDefinition(db.Pick(InsertSql),
            new { OrderId = orderId, Kind = kind, DedupeKey = dedupeKey, Now = now }, tx, cancellationToken: ct));
}

// One composer per kind (refund, reversal, revocation), all plain text: what happened in plain
// words, the amount where there is one, whether the key still works, and the status link.
internal sealed class OrderNoticeEmail(string kind, MailSender sender, StatusTokens statusTokens, PublicAddress publicAddress) : IDeliveryComposer
{
    public string Kind => kind;

    private const string OrderSql = """
        SELECT d.dedupe_key AS DedupeKey, o.id AS OrderId, o.order_number AS OrderNumber, o.product_name AS ProductName,
               o.total_minor AS TotalMinor, o.currency AS Currency, o.erased_at AS ErasedAt,
               (SELECT COUNT(*) FROM licenses l WHERE l.order_id = o.id) AS Licenses,
               (SELECT COUNT(*) FROM licenses l WHERE l.order_id = o.id AND l.status = 'active') AS ActiveLicenses
        FROM deliveries d
        JOIN orders o ON o.id = d.order_id
        WHERE d.id = @Id
        """;

    // Each refund once, however many events reported it (as the state machine counts them).
    private const string RefundsSql = """
        SELECT COALESCE(provider_refund_ref, provider_event_id) AS RefundRef, MAX(amount_minor) AS AmountMinor, MAX(currency) AS Currency
        FROM webhook_inbox
        WHERE order_id = @OrderId AND kind = 'Refunded' AND processed_at IS NOT NULL
        GROUP BY COALESCE(provider_refund_ref, provider_event_id)
        """;

    public async Task<ComposedEmail> ComposeAsync(DbConnection connection, long deliveryId, string toAddress, CancellationToken ct)
    {
        var order = await connection.QuerySingleOrDefaultAsync<OrderFacts>(new CommandDefinition(OrderSql, new { Id = deliveryId }, cancellationToken: ct));
        if (order is null || order.ErasedAt is not null)
        {
            return new ComposedEmail(null, "customer data erased", null);
        }

        var statusUrl = publicAddress.Resolve(StatusTokens.StatusPath(order.OrderNumber, statusTokens.For(order.OrderNumber))).AbsoluteUri;
        var keyLine = order.Licenses == 0 ? ""
            : order.ActiveLicenses == 0 ? "The license key of this order no longer works: it has been revoked."
            : "Your license key keeps working.";

        string subject, text;
        switch (kind)
        {
            case DeliveryKinds.Refund:
                var refunds = (await connection.QueryAsync<RefundFacts>(new CommandDefinition(RefundsSql, new { order.OrderId }, cancellationToken: ct))).ToList();
                var digest = order.DedupeKey[(order.DedupeKey.LastIndexOf(':') + 1)..];
                var refund = refunds.FirstOrDefault(r => OrderNotices.RefundRefDigest(r.RefundRef) == digest);
                if (refund is null)
                {
                    return new ComposedEmail(null, "the refund is no longer on record", null);
                }

                var amount = Money.Format(refund.AmountMinor ?? order.TotalMinor, refund.Currency ?? order.Currency);
                var refundedSoFar = Math.Min(order.TotalMinor, refunds.Sum(r => r.AmountMinor ?? order.TotalMinor));
                var extent = refundedSoFar >= order.TotalMinor
                    ? $"The order is now fully refunded ({Money.Format(order.TotalMinor, order.Currency)})."
                    : $"This is a partial refund: {Money.Format(refundedSoFar, order.Currency)} of the {Money.Format(order.TotalMinor, order.Currency)} you paid has been refunded so far.";
                subject = $"Refund of {amount} for order {order.OrderNumber}";
                text = $"""
                    We have refunded {amount} for your order {order.OrderNumber} ({order.ProductName}).
                    {extent}
                    The money goes back the way you paid; your bank or card issuer may take a few days to show it.
                    {keyLine}
                    """;
                break;

            case DeliveryKinds.Reversal:
                subject = $"Payment reversed for order {order.OrderNumber}";
                text = $"""
                    The payment for your order {order.OrderNumber} ({order.ProductName}) was reversed: the money went back
                    through your bank, card issuer or payment provider (for example after a chargeback or dispute).
                    {keyLine}
                    If you did not ask for this, reply to this e-mail and we will sort it out with you.
                    """;
                break;

            case DeliveryKinds.Revocation:
                subject = $"Your {order.ProductName} license was revoked (order {order.OrderNumber})";
                text = $"""
                    Our support team has revoked the license of your order {order.OrderNumber} ({order.ProductName}).
                    The license key no longer works.
                    This does not refund the payment; if a refund is due, you will receive a separate e-mail about it.
                    If you think this is a mistake, reply to this e-mail.
                    """;
                break;

            default:
                throw new InvalidOperationException($"OrderNoticeEmail does not compose '{kind}'.");
        }

        var message = new MimeMessage();
        sender.Address(message);
        message.To.Add(MailboxAddress.Parse(toAddress));
        message.Subject = subject;
        message.MessageId = string.Create(CultureInfo.InvariantCulture, $"delivery-{deliveryId}.{order.OrderNumber}@orders.invalid");
        var body = new TextPart("plain");
        body.SetText(Encoding.UTF8, $"""
            {text.Trim()}

            Order status: {statusUrl}

            We use this address only to deliver what you bought.
            """.ReplaceLineEndings("\r\n"));
        message.Body = body;
        // Non-ASCII text (a product name, a licensee's language) gets quoted-printable or base64, so
        // any SMTP relay carries it unchanged.
        message.Prepare(EncodingConstraint.SevenBit);
        return new ComposedEmail(message, null, null);
    }

    private sealed class OrderFacts
    {
        public string DedupeKey { get; init; } = "";
        public long OrderId { get; init; }
        public string OrderNumber { get; init; } = "";
        public string ProductName { get; init; } = "";
        public long TotalMinor { get; init; }
        public string Currency { get; init; } = "";
        public DateTime? ErasedAt { get; init; }
        public long Licenses { get; init; }
        public long ActiveLicenses { get; init; }
    }

    private sealed class RefundFacts
    {
        public string RefundRef { get; init; } = "";
        public long? AmountMinor { get; init; }
        public string? Currency { get; init; }
    }
}
