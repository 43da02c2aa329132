using System.Globalization;
using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Api.Hosting;
using Orders.Api.Webhooks;

namespace Orders.Api.Payments.Avangate;

// The reseller's notifications: IPN (orders) and LCN (licenses). Verify the signature over the raw
// fields in order → check the names it does not cover and the date it carries → store the
// normalised event → only then answer 200 with the read receipt the reseller checks. Anything
// unverified gets a 4xx and no receipt, so nothing unverified is ever acknowledged, and the
// reseller keeps retrying whatever we could not store.
internal static partial class AvangateWebhookEndpoints
{
    public static IEndpointRouteBuilder MapAvangateWebhooks(this IEndpointRouteBuilder app)
    {
        var group = app.MapWebhookGroup("/webhooks/avangate");
        group.MapPost("", ReceiveIpn).WithName("ReceiveAvangateIpn").Accepts<string>("application/x-www-form-urlencoded");
        group.MapPost("/lcn", ReceiveLcn).WithName("ReceiveAvangateLcn").Accepts<string>("application/x-www-form-urlencoded");
        return app;
    }

    internal static Task<Results<ContentHttpResult, ProblemHttpResult>> ReceiveIpn(HttpRequest request, AvangateSettings settings, Inbox inbox, IBackgroundJobClient jobs,
        OrdersMetrics metrics, TimeProvider time, ILoggerFactory loggers, CancellationToken ct) =>
        ReceiveAsync(request, settings, inbox, jobs, metrics, time, loggers.CreateLogger("Orders.Webhooks.Avangate"), isLcn: false, ct);

    internal static Task<Results<ContentHttpResult, ProblemHttpResult>> ReceiveLcn(HttpRequest request, AvangateSettings settings, Inbox inbox, IBackgroundJobClient jobs,
        OrdersMetrics metrics, TimeProvider time, ILoggerFactory loggers, CancellationToken ct) =>
        ReceiveAsync(request, settings, inbox, jobs, metrics, time, loggers.CreateLogger("Orders.Webhooks.Avangate"), isLcn: true, ct);

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> ReceiveAsync(HttpRequest request, AvangateSettings settings, Inbox inbox, IBackgroundJobClient jobs,
        OrdersMetrics metrics, TimeProvider time, ILogger logger, bool isLcn, CancellationToken ct)
    {
        var kind = isLcn ? "lcn" : "ipn";
        if (!request.HasFormContentType)
        {
            metrics.WebhookRejected(AvangateEvents.ProviderName, "content-type");
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type", "Notifications are application/x-www-form-urlencoded.");
        }

        var body = await WebhookEndpoints.ReadBodyAsync(request, ct);
        if (body is null)
        {
            metrics.WebhookRejected(AvangateEvents.ProviderName, "too-large");
            return Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"Notifications are limited to {WebhookEndpoints.MaxBodyBytes} bytes.");
        }

        var notification = AvangateNotification.Parse(body);
        if (notification is null)
        {
            LogRejected(logger, kind, "unreadable form body");
            metrics.WebhookRejected(AvangateEvents.ProviderName, "unparseable");
            return Problem(StatusCodes.Status400BadRequest, "Unreadable notification", "The body is not a form-encoded notification.");
        }

        var signature = notification.StrongestSignature(settings.Options.AllowMd5);
        if (signature is not { } sig || !notification.IsSignedWith(settings.SecretKey, sig.Algorithm, sig.Value))
        {
            LogRejected(logger, kind, signature is null ? "no acceptable signature field" : "signature mismatch");
            metrics.WebhookRejected(AvangateEvents.ProviderName, "forged");
            return Problem(StatusCodes.Status401Unauthorized, "Notification signature rejected",
                signature is null ? "No SIGNATURE_SHA3_256 or SIGNATURE_SHA2_256 field (HASH alone is accepted only with Avangate:AllowMd5)." : "The signature does not match the fields.");
        }

        // The signature does not cover names: they must be the reseller's, in its order (AvangateFieldOrder).
        if ((isLcn ? settings.LcnFields : settings.IpnFields).Problem(notification.Fields) is { } misnamed)
        {
            LogRejected(logger, kind, misnamed);
            metrics.WebhookRejected(AvangateEvents.ProviderName, "unexpected-fields");
            return Problem(StatusCodes.Status400BadRequest, "Unexpected notification fields", misnamed);
        }

        // Every notification carries the time it was sent, so a recorded one cannot be replayed later.
        var dateField = isLcn ? "DATE_UPDATED" : "IPN_DATE";
        if (SentAt(notification.First(dateField), isLcn) is not { } sentAt)
        {
            LogRejected(logger, kind, $"{dateField} missing or unreadable");
            metrics.WebhookRejected(AvangateEvents.ProviderName, "unparseable");
            return Problem(StatusCodes.Status400BadRequest, "Unreadable notification", $"{dateField} is missing or not a date.");
        }

        if (Math.Abs((time.GetUtcNow().UtcDateTime - sentAt).TotalSeconds) > settings.Options.NotificationMaxAge.TotalSeconds)
        {
            LogRejected(logger, kind, $"{dateField} outside the accepted window (replay?)");
            metrics.WebhookRejected(AvangateEvents.ProviderName, "stale");
            return Problem(StatusCodes.Status401Unauthorized, "Notification too old", $"{dateField} is outside the accepted window.");
        }

        PaymentEvent paymentEvent;
        try
        {
            paymentEvent = isLcn ? AvangateEvents.FromLcn(notification) : AvangateEvents.FromIpn(notification, settings.Options, settings.AcceptTestOrders);
        }
        catch (AvangateNotificationException e)
        {
            LogRejected(logger, kind, e.Message);
            metrics.WebhookRejected(AvangateEvents.ProviderName, "unparseable");
            return Problem(StatusCodes.Status400BadRequest, "Unreadable notification", e.Message);
        }

        var stored = await WebhookEndpoints.StoreAndEnqueueAsync(paymentEvent, inbox, jobs, metrics, logger, ct);
        if (stored.Result is ProblemHttpResult problem)
        {
            return problem; // 503 (storage) or 422: no receipt, the reseller retries
        }

        // Stored (or stored before): the receipt tells the reseller to stop resending.
        var date = time.GetUtcNow().UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        string?[] source = isLcn
            ? [notification.First("LICENSE_CODE"), notification.First("EXPIRATION_DATE")]
            : [notification.FirstOf("IPN_PID"), notification.FirstOf("IPN_PNAME"), notification.First("IPN_DATE")];
        var receipt = AvangateHash.Receipt(sig.Algorithm, settings.SecretKey, source, date);
        return TypedResults.Text(receipt, "text/html; charset=utf-8");
    }

    // IPN_DATE is YmdHis; the LCN's DATE_UPDATED is documented only as a 20-character date, so the
    // reseller's Y-m-d H:i:s is read as well.
    private static DateTime? SentAt(string? value, bool isLcn) =>
        DateTime.TryParseExact(value, isLcn ? ["yyyy-MM-dd HH:mm:ss", "yyyyMMddHHmmss"] : ["yyyyMMddHHmmss"], CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var sent) ? sent : null;

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(new ProblemDetails { Status = status, Title = title, Detail = detail });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected avangate {Kind}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string kind, string reason);
}
