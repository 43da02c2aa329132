using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Orders.Api.Hosting;
using Orders.Api.Payments;
using Orders.Api.Payments.Avangate;

namespace Orders.Api.PaymentEvents.Receiving;

// The reseller's notifications: IPN (orders) and LCN (licenses). Verify the signature over the raw
// fields in order → check the names it does not cover and the date it carries → store the
// normalised event → only then answer 200 with the read receipt the reseller checks. Anything
// unverified gets a 4xx and no receipt, so nothing unverified is ever acknowledged, and the
// reseller keeps retrying whatever we could not store.
internal sealed class AvangateWebhook(AvangateSettings settings, TimeProvider time, bool isLcn) : IWebhookVerifier<ContentHttpResult>
{
    public string Provider => AvangateEvents.ProviderName;

    public static IEndpointRouteBuilder MapAvangateWebhooks(IEndpointRouteBuilder app)
    {
        var group = app.MapWebhookGroup("/webhooks/avangate")
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapPost("", ReceiveIpn).WithName("ReceiveAvangateIpn").Accepts<string>("application/x-www-form-urlencoded")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .WithSummary("Receive the reseller's order notification (IPN)")
            .WithDescription("Form-encoded, signed over its fields in order (HMAC). Stored, then answered 200 with the read receipt "
                + "(<EPAYMENT>…) the reseller checks; anything unverified gets a 4xx and no receipt.");
        group.MapPost("/lcn", ReceiveLcn).WithName("ReceiveAvangateLcn").Accepts<string>("application/x-www-form-urlencoded")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .WithSummary("Receive the reseller's license change notification (LCN)")
            .WithDescription("Form-encoded and signed like the IPN; stored, then answered 200 with the read receipt.");
        return app;
    }

    internal static Task<Results<ContentHttpResult, ProblemHttpResult>> ReceiveIpn(HttpRequest request, AvangateSettings settings, PaymentEventStore store,
        OrdersMetrics metrics, TimeProvider time, ILoggerFactory loggers, CancellationToken ct) =>
        WebhookReceiver.ReceiveAsync(request, new AvangateWebhook(settings, time, isLcn: false), store, metrics, loggers.CreateLogger("Orders.Webhooks.Avangate"), ct);

    internal static Task<Results<ContentHttpResult, ProblemHttpResult>> ReceiveLcn(HttpRequest request, AvangateSettings settings, PaymentEventStore store,
        OrdersMetrics metrics, TimeProvider time, ILoggerFactory loggers, CancellationToken ct) =>
        WebhookReceiver.ReceiveAsync(request, new AvangateWebhook(settings, time, isLcn: true), store, metrics, loggers.CreateLogger("Orders.Webhooks.Avangate"), ct);

    public WebhookRefusal? CheckBeforeReading(HttpRequest request) =>
        request.HasFormContentType ? null : new(StatusCodes.Status415UnsupportedMediaType, "content-type", "Unsupported content type",
            "Notifications are application/x-www-form-urlencoded.");

    public Task<WebhookReading<ContentHttpResult>> ReadAsync(HttpRequest request, byte[] body, CancellationToken ct) => Task.FromResult(Read(body));

    private WebhookReading<ContentHttpResult> Read(byte[] body)
    {
        var notification = AvangateNotification.Parse(body);
        if (notification is null)
        {
            return Refuse(new(StatusCodes.Status400BadRequest, "unparseable", "Unreadable notification", "The body is not a form-encoded notification."));
        }

        var signature = notification.StrongestSignature(settings.Options.AllowMd5);
        if (signature is not { } sig || !notification.IsSignedWith(settings.SecretKey, sig.Algorithm, sig.Value))
        {
            return Refuse(new(StatusCodes.Status401Unauthorized, "forged", "Notification signature rejected",
                signature is null ? "No SIGNATURE_SHA3_256 or SIGNATURE_SHA2_256 field (HASH alone is accepted only with Avangate:AllowMd5)." : "The signature does not match the fields."));
        }

        // The signature does not cover names: they must be the reseller's, in its order (AvangateFieldOrder).
        if ((isLcn ? settings.LcnFields : settings.IpnFields).Problem(notification.Fields) is { } misnamed)
        {
            return Refuse(new(StatusCodes.Status400BadRequest, "unexpected-fields", "Unexpected notification fields", misnamed));
        }

        // Every notification carries the time it was sent, so a recorded one cannot be replayed later.
        var dateField = isLcn ? "DATE_UPDATED" : "IPN_DATE";
        if (SentAt(notification.First(dateField), isLcn) is not { } sentAt)
        {
            return Refuse(new(StatusCodes.Status400BadRequest, "unparseable", "Unreadable notification", $"{dateField} is missing or not a date."));
        }

        if (Math.Abs((time.GetUtcNow().UtcDateTime - sentAt).TotalSeconds) > settings.Options.NotificationMaxAge.TotalSeconds)
        {
            return Refuse(new(StatusCodes.Status401Unauthorized, "stale", "Notification too old", $"{dateField} is outside the accepted window.",
                $"{dateField} outside the accepted window (replay?)"));
        }

        PaymentEvent paymentEvent;
        try
        {
            paymentEvent = isLcn ? AvangateEvents.FromLcn(notification) : AvangateEvents.FromIpn(notification, settings.Options, settings.AcceptTestOrders);
        }
        catch (AvangateNotificationException e)
        {
            return Refuse(new(StatusCodes.Status400BadRequest, "unparseable", "Unreadable notification", e.Message));
        }

        // Stored (or stored before): the read receipt tells the reseller to stop resending.
        return new(null, [paymentEvent], _ => Receipt(notification, sig.Algorithm));
    }

    private ContentHttpResult Receipt(AvangateNotification notification, AvangateAlgorithm algorithm)
    {
        var date = time.GetUtcNow().UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        string?[] source = isLcn
            ? [notification.First("LICENSE_CODE"), notification.First("EXPIRATION_DATE")]
            : [notification.FirstOf("IPN_PID"), notification.FirstOf("IPN_PNAME"), notification.First("IPN_DATE")];
        return TypedResults.Text(AvangateHash.Receipt(algorithm, settings.SecretKey, source, date), "text/html; charset=utf-8");
    }

    // IPN_DATE is YmdHis; the LCN's DATE_UPDATED is documented only as a 20-character date, so the
    // reseller's Y-m-d H:i:s is read as well.
    private static DateTime? SentAt(string? value, bool isLcn) =>
        DateTime.TryParseExact(value, isLcn ? ["yyyy-MM-dd HH:mm:ss", "yyyyMMddHHmmss"] : ["yyyyMMddHHmmss"], CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var sent) ? sent : null;

    private static WebhookReading<ContentHttpResult> Refuse(WebhookRefusal refusal) => WebhookReading<ContentHttpResult>.Refuse(refusal);
}
