namespace Orders.Sandbox.Template;

// Every stand-in's log lines. Ids, event types, states and status codes only: never bodies, field
// values, e-mail addresses, tokens, keys or signatures.
internal static partial class SandboxLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Provider} sandbox ready: {Where}")]
    public static partial void SandboxReady(this ILogger logger, string provider, string where);

    // "order 5O190127TN364715T", "created (CREATED)".
    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "{Provider} sandbox {Resource} {Id}: {Change}")]
    public static partial void Changed(this ILogger logger, string provider, string resource, string id, string change);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "{Provider} sandbox refused a request: {ErrorCode}")]
    public static partial void Refused(this ILogger logger, string provider, string errorCode);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "{Provider} sandbox: {Limitation}")]
    public static partial void Limitation(this ILogger logger, string provider, string limitation);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "{Provider} delivery {Delivery} copy {Copy} attempt {Attempt} delivered: HTTP {StatusCode}")]
    public static partial void DeliverySucceeded(this ILogger logger, string provider, string delivery, int copy, int attempt, int statusCode);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "{Provider} delivery {Delivery} copy {Copy} attempt {Attempt} failed: {Error}")]
    public static partial void DeliveryFailed(this ILogger logger, string provider, string delivery, int copy, int attempt, string error);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "{Provider} delivery {Delivery} copy {Copy} attempt {Attempt} failed; next attempt in {DelaySeconds} s")]
    public static partial void DeliveryRetryScheduled(this ILogger logger, string provider, string delivery, int copy, int attempt, double delaySeconds);

    [LoggerMessage(EventId = 13, Level = LogLevel.Error, Message = "{Provider} delivery {Delivery} copy {Copy} given up after {Attempts} attempts")]
    public static partial void DeliveryGaveUp(this ILogger logger, string provider, string delivery, int copy, int attempts);

    [LoggerMessage(EventId = 14, Level = LogLevel.Error, Message = "{Provider} delivery {Delivery} copy {Copy} failed unexpectedly")]
    public static partial void DeliveryCrashed(this ILogger logger, Exception exception, string provider, string delivery, int copy);

    [LoggerMessage(EventId = 16, Level = LogLevel.Information, Message = "Sandbox delivery {Type} {Id} dropped (the drop knob is on)")]
    public static partial void DeliveryDropped(this ILogger logger, string type, string id);
}
