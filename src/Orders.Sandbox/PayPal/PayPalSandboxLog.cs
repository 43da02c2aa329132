
namespace Orders.Sandbox.PayPal;

// Ids, event types and status codes only: never bodies, e-mail addresses, tokens or signatures.
internal static partial class PayPalSandboxLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "PayPal sandbox API at {ApiBase}; webhooks go to {WebhookTarget}")]
    public static partial void SandboxReady(this ILogger logger, string apiBase, string webhookTarget);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "PayPal sandbox order {OrderId} created ({Status})")]
    public static partial void OrderCreated(this ILogger logger, string orderId, string status);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "PayPal sandbox order {OrderId} approved (capture will be {CaptureStatus})")]
    public static partial void OrderApproved(this ILogger logger, string orderId, string captureStatus);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "PayPal sandbox order {OrderId} captured: capture {CaptureId} is {CaptureStatus}")]
    public static partial void OrderCaptured(this ILogger logger, string orderId, string captureId, string captureStatus);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "PayPal sandbox capture {CaptureId}: {Kind} {RefundId}, capture is now {CaptureStatus}")]
    public static partial void CaptureReduced(this ILogger logger, string captureId, string kind, string refundId, string captureStatus);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "PayPal sandbox capture {CaptureId} settled as {CaptureStatus}")]
    public static partial void CaptureSettled(this ILogger logger, string captureId, string captureStatus);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Webhook {EventType} {EventId} delivered (copy {Copy}, attempt {Attempt}, transmission {TransmissionId}): HTTP {StatusCode}")]
    public static partial void DeliverySucceeded(this ILogger logger, string eventType, string eventId, int copy, int attempt, string transmissionId, int statusCode);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Webhook {EventType} {EventId} attempt {Attempt} (transmission {TransmissionId}) answered HTTP {StatusCode}")]
    public static partial void DeliveryRejected(this ILogger logger, string eventType, string eventId, int attempt, string transmissionId, int statusCode);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Webhook {EventType} {EventId} not sent: no webhook target known (set Sandbox:PayPal:WebhookUrl)")]
    public static partial void DeliveryNoTarget(this ILogger logger, string eventType, string eventId);

    [LoggerMessage(EventId = 16, Level = LogLevel.Information, Message = "Webhook {EventType} {EventId} dropped (DropWebhooks is on)")]
    public static partial void DeliveryDropped(this ILogger logger, string eventType, string eventId);
}
