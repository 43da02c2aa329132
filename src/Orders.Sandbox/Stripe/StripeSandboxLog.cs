namespace Orders.Sandbox.Stripe;

// Ids, event types and status codes only: never bodies, e-mail addresses, keys or signatures.
internal static partial class StripeSandboxLog
{
    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Stripe sandbox API at {ApiBase}; webhooks go to {WebhookTarget}")]
    public static partial void SandboxReady(this ILogger logger, string apiBase, string webhookTarget);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Stripe sandbox Checkout Session {SessionId} created")]
    public static partial void SessionCreated(this ILogger logger, string sessionId);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Stripe sandbox Checkout Session {SessionId} completed: payment intent {PaymentIntentId}, {PaymentStatus}")]
    public static partial void SessionPaid(this ILogger logger, string sessionId, string paymentIntentId, string paymentStatus);

    [LoggerMessage(EventId = 204, Level = LogLevel.Information, Message = "Stripe sandbox Checkout Session {SessionId}: delayed payment {Outcome}")]
    public static partial void SessionSettled(this ILogger logger, string sessionId, string outcome);

    [LoggerMessage(EventId = 205, Level = LogLevel.Information, Message = "Stripe sandbox Checkout Session {SessionId} expired")]
    public static partial void SessionExpired(this ILogger logger, string sessionId);

    [LoggerMessage(EventId = 206, Level = LogLevel.Information, Message = "Stripe sandbox payment intent {PaymentIntentId}: refund {RefundId}, {Refunded} of {Total} refunded")]
    public static partial void Refunded(this ILogger logger, string paymentIntentId, string refundId, long refunded, long total);

    [LoggerMessage(EventId = 207, Level = LogLevel.Information, Message = "Stripe sandbox dispute {DisputeId} on charge {ChargeId} is {Status}")]
    public static partial void DisputeChanged(this ILogger logger, string disputeId, string chargeId, string status);

    [LoggerMessage(EventId = 208, Level = LogLevel.Information, Message = "Stripe sandbox event {EventType} {EventId} queued")]
    public static partial void EventQueued(this ILogger logger, string eventType, string eventId);

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "Stripe webhook {EventType} {EventId} delivered (copy {Copy}, attempt {Attempt}): HTTP {StatusCode}")]
    public static partial void DeliverySucceeded(this ILogger logger, string eventType, string eventId, int copy, int attempt, int statusCode);

    [LoggerMessage(EventId = 211, Level = LogLevel.Warning, Message = "Stripe webhook {EventType} {EventId} attempt {Attempt} answered HTTP {StatusCode}")]
    public static partial void DeliveryRejected(this ILogger logger, string eventType, string eventId, int attempt, int statusCode);

    [LoggerMessage(EventId = 213, Level = LogLevel.Warning, Message = "Stripe webhook {EventType} {EventId} not sent: no webhook target known (set Sandbox:Stripe:WebhookUrl)")]
    public static partial void DeliveryNoTarget(this ILogger logger, string eventType, string eventId);

    [LoggerMessage(EventId = 216, Level = LogLevel.Information, Message = "Stripe webhook {EventType} {EventId} dropped (DropWebhooks is on)")]
    public static partial void DeliveryDropped(this ILogger logger, string eventType, string eventId);
}
