namespace Orders.Sandbox.Avangate;

// Ids, statuses and status codes only: never field values, e-mail addresses, bodies or signatures.
internal static partial class AvangateSandboxLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Avangate sandbox buy links at {BuyLinkBase}; IPNs go to {IpnTarget}, LCNs to {LcnTarget}")]
    public static partial void SandboxReady(this ILogger logger, string buyLinkBase, string ipnTarget, string lcnTarget);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Avangate sandbox cart {Refno} opened")]
    public static partial void CartOpened(this ILogger logger, string refno);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Avangate sandbox buy link refused: {ErrorCode}")]
    public static partial void BuyLinkRefused(this ILogger logger, string errorCode);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Avangate sandbox order {Refno} paid")]
    public static partial void OrderPaid(this ILogger logger, string refno);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Avangate sandbox order {Refno} is now {State}")]
    public static partial void OrderChanged(this ILogger logger, string refno, string state);

    [LoggerMessage(EventId = 106, Level = LogLevel.Information, Message = "Avangate sandbox {Kind} {NotificationId} queued for order {Refno}: {Status} (message {MessageId})")]
    public static partial void NotificationQueued(this ILogger logger, string kind, long notificationId, string refno, string status, string messageId);

    [LoggerMessage(EventId = 108, Level = LogLevel.Information, Message = "Avangate sandbox lcn {NotificationId} queued for order {Refno}: licence {Status}")]
    public static partial void LcnQueued(this ILogger logger, long notificationId, string refno, string status);

    [LoggerMessage(EventId = 109, Level = LogLevel.Information, Message = "Avangate sandbox {Kind} {NotificationId} queued as posted by a test")]
    public static partial void RawNotificationQueued(this ILogger logger, string kind, long notificationId);

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "HMACSHA3_256 is not supported on this platform: notifications carry no SIGNATURE_SHA3_256")]
    public static partial void Sha3Unsupported(this ILogger logger);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Avangate {Kind} {NotificationId} delivered (copy {Copy}, attempt {Attempt}): HTTP {StatusCode} with a valid read receipt")]
    public static partial void DeliverySucceeded(this ILogger logger, string kind, long notificationId, int copy, int attempt, int statusCode);

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "Avangate {Kind} {NotificationId} copy {Copy} attempt {Attempt} answered HTTP {StatusCode}")]
    public static partial void DeliveryRejected(this ILogger logger, string kind, long notificationId, int copy, int attempt, int statusCode);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "Avangate {Kind} {NotificationId} copy {Copy} attempt {Attempt} answered HTTP 200 but {Problem}")]
    public static partial void DeliveryReceiptRejected(this ILogger logger, string kind, long notificationId, int copy, int attempt, string problem);

    [LoggerMessage(EventId = 114, Level = LogLevel.Warning, Message = "Avangate {Kind} {NotificationId} not sent: no target known (set Sandbox:Avangate:IpnUrl / LcnUrl)")]
    public static partial void DeliveryNoTarget(this ILogger logger, string kind, long notificationId);

    [LoggerMessage(EventId = 117, Level = LogLevel.Information, Message = "Avangate {Kind} {NotificationId} ({Status}) dropped (DropNotifications is on)")]
    public static partial void NotificationDropped(this ILogger logger, string kind, long notificationId, string status);
}
