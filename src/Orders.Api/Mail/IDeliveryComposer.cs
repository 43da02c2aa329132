using System.Data.Common;
using MimeKit;

namespace Orders.Api.Mail;

// A kind of e-mail composed by the feature that sends it (a privacy notice, say): Mail claims,
// sends and retries the delivery row without knowing what the message says.
internal interface IDeliveryComposer
{
    string Kind { get; }

    Task<ComposedEmail> ComposeAsync(DbConnection connection, long deliveryId, string toAddress, CancellationToken ct);
}

// The message to send, or why nothing is sent (CancelReason); FileStem names the pickup file.
internal sealed record ComposedEmail(MimeMessage? Message, string? CancelReason, string? FileStem);
