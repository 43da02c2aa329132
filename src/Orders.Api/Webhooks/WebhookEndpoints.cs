using System.Data.Common;
using System.Text.Json;
using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Payments;
using Orders.Api.Payments.PayPal;
using Orders.Api.Processing;

namespace Orders.Api.Webhooks;

// verify → store in the inbox (group commit; the batch's new ids go to one Hangfire job) → 200.
// Nothing is parsed before it is verified, and 200 is only said once the event is durably stored
// (ARCHITECTURE principle 2).
internal static partial class WebhookEndpoints
{
    public const int MaxBodyBytes = 256 * 1024;

    private const int MaxTransmissionIdLength = 128;

    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddSingleton<Inbox>();
        services.AddHostedService(sp => sp.GetRequiredService<Inbox>());
        services.AddScoped<ProcessInboxBatchJob>();
        return services;
    }

    // The providers' webhook endpoints run straight from routing (short-circuit). They are
    // authenticated by their signatures, never by a staff session, carry no antiforgery token, have
    // no rate limit, and are posted to the HTTPS address the provider was given: authentication,
    // authorization, rate limiting, antiforgery, HSTS and HTTPS redirection have nothing to do for
    // them, yet cost every delivery under a backlog. The request log, the security headers, the
    // exception handler and the status-code pages run before routing (HostingRegistration.UseHosting),
    // so they still see every webhook. Authorization metadata on a short-circuited endpoint makes
    // routing throw, so none can be added here by mistake and silently skipped.
    public static RouteGroupBuilder MapWebhookGroup(this IEndpointRouteBuilder app, string prefix)
    {
        var group = app.MapGroup(prefix).WithTags("Webhooks").DisableAntiforgery();
        group.ShortCircuit();
        return group;
    }

    public static IEndpointRouteBuilder MapPayPalWebhooks(this IEndpointRouteBuilder app)
    {
        var group = app.MapWebhookGroup("/webhooks");
        group.MapPost("/paypal", ReceivePayPal)
            .WithName("ReceivePayPalWebhook")
            .Accepts<JsonElement>("application/json");
        return app;
    }

    internal static async Task<Results<Ok<WebhookAck>, ProblemHttpResult>> ReceivePayPal(
        HttpRequest request,
        PayPalWebhookVerifier verifier,
        Inbox inbox,
        IBackgroundJobClient jobs,
        OrdersMetrics metrics,
        ILoggerFactory loggerFactory,
        CancellationToken ct)
    {
        var logger = loggerFactory.CreateLogger("Orders.Webhooks.PayPal");
        var body = await ReadBodyAsync(request, ct);
        if (body is null)
        {
            metrics.WebhookRejected(PayPalProvider.ProviderName, "too-large");
            return Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"Webhook bodies are limited to {MaxBodyBytes} bytes.");
        }

        var verification = await verifier.VerifyAsync(request.Headers, body, ct);
        if (verification.Verdict != WebhookVerdict.Valid)
        {
            LogRejected(logger, "paypal", verification.Verdict.ToString(), verification.Reason);
            metrics.WebhookRejected(PayPalProvider.ProviderName, verification.Verdict.ToString().ToLowerInvariant());
            return verification.Verdict switch
            {
                WebhookVerdict.Malformed => Problem(StatusCodes.Status400BadRequest, "Malformed webhook", verification.Reason),
                WebhookVerdict.Unavailable => Problem(StatusCodes.Status503ServiceUnavailable, "Cannot verify now", verification.Reason),
                _ => Problem(StatusCodes.Status401Unauthorized, "Webhook signature rejected", verification.Reason),
            };
        }

        // PayPal's signature covers only a CRC-32 of the body: one transmission id, one body.
        string transmissionId = request.Headers["PAYPAL-TRANSMISSION-ID"]!;
        if (transmissionId.Length > MaxTransmissionIdLength)
        {
            metrics.WebhookRejected(PayPalProvider.ProviderName, "malformed");
            return Problem(StatusCodes.Status400BadRequest, "Malformed webhook", "PAYPAL-TRANSMISSION-ID is too long.");
        }

        // Checked in memory first (this instance's recent transmissions, including repeats answered
        // without a write), then in the database when the event is stored.
        var transmission = WebhookTransmission.Of(PayPalProvider.ProviderName, transmissionId, body);
        if (!inbox.TryAcceptRecentTransmission(transmission))
        {
            return RefuseReusedTransmission(PayPalProvider.ProviderName, metrics, logger);
        }

        // A repeat of an event this instance stored recently is known by its id alone: the event was
        // parsed and checked (card-number guard included) when it was stored, and a notification
        // changes nothing by itself anyway (it is confirmed with PayPal's API). Saves a repeat the
        // parse, the guard and a write.
        if (PayPalEvents.TryPeekEventId(body, out var eventId) && inbox.TryGetRecentlyStored(PayPalProvider.ProviderName, eventId, out var inboxId))
        {
            return AcknowledgeRepeat(PayPalProvider.ProviderName, eventId, inboxId, metrics, logger);
        }

        PaymentEvent paymentEvent;
        try
        {
            using var document = JsonDocument.Parse(body);
            paymentEvent = PayPalEvents.FromWebhook(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or PayPalEventException or InvalidOperationException)
        {
            LogRejected(logger, "paypal", "Unparseable", e is PayPalEventException ? e.Message : "invalid JSON");
            metrics.WebhookRejected(PayPalProvider.ProviderName, "unparseable");
            return Problem(StatusCodes.Status400BadRequest, "Unreadable event", "The event is not a PayPal webhook event this service understands.");
        }

        return await StoreAndEnqueueAsync(paymentEvent, inbox, jobs, metrics, logger, ct, transmission);
    }

    internal static async Task<Results<Ok<WebhookAck>, ProblemHttpResult>> StoreAndEnqueueAsync(
        PaymentEvent paymentEvent, Inbox inbox, IBackgroundJobClient jobs, OrdersMetrics metrics, ILogger logger, CancellationToken ct,
        WebhookTransmission? transmission = null)
    {
        StoredEvent stored;
        try
        {
            stored = await inbox.StoreForProcessingAsync(paymentEvent, ct, transmission);
        }
        catch (CardDataRefusedException)
        {
            LogRejected(logger, paymentEvent.Provider, "CardData", "a field looked like a card number");
            metrics.WebhookRejected(paymentEvent.Provider, "card-data");
            return Problem(StatusCodes.Status422UnprocessableEntity, "Refused", "The event carries a value that looks like a card number.");
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or TimeoutException)
        {
            // The database (or the inbox writer, while shutting down) could not commit it: not acknowledged.
            LogStorageDown(logger, paymentEvent.Provider, e.GetType().Name);
            return Problem(StatusCodes.Status503ServiceUnavailable, "Storage unavailable", "The event was not stored; please retry.");
        }

        if (stored.TransmissionReused)
        {
            return RefuseReusedTransmission(paymentEvent.Provider, metrics, logger);
        }

        if (stored.Duplicate)
        {
            return AcknowledgeRepeat(paymentEvent.Provider, paymentEvent.EventId, stored.InboxId, metrics, logger);
        }

        LogStored(logger, paymentEvent.Provider, paymentEvent.EventType, paymentEvent.EventId, stored.InboxId);
        metrics.WebhookReceived(paymentEvent.Provider);
        return TypedResults.Ok(new WebhookAck(stored.InboxId, Duplicate: false));
    }

    private static ProblemHttpResult RefuseReusedTransmission(string provider, OrdersMetrics metrics, ILogger logger)
    {
        LogRejected(logger, provider, "Forged", "the transmission id came before with another body");
        metrics.WebhookRejected(provider, "forged");
        return Problem(StatusCodes.Status401Unauthorized, "Webhook signature rejected", "This transmission was already received with another body.");
    }

    private static Ok<WebhookAck> AcknowledgeRepeat(string provider, string eventId, long inboxId, OrdersMetrics metrics, ILogger logger)
    {
        LogDuplicate(logger, provider, eventId, inboxId);
        metrics.WebhookDuplicated(provider);
        return TypedResults.Ok(new WebhookAck(inboxId, Duplicate: true));
    }

    // Reads the raw bytes exactly as sent (signatures are over them), refusing oversized bodies.
    // With a Content-Length (providers send one) the body is read straight into an array of that
    // size: no growing buffer and no copy per webhook.
    internal static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        if (request.ContentLength is { } length)
        {
            var exact = new byte[length];
            var filled = 0;
            int got;
            while (filled < exact.Length && (got = await request.Body.ReadAsync(exact.AsMemory(filled), ct)) > 0)
            {
                filled += got;
            }

            // Kestrel ends the body at Content-Length; a shorter body is an aborted request.
            return filled == exact.Length ? exact : exact[..filled];
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(new ProblemDetails { Status = status, Title = title, Detail = detail });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected {Provider} webhook: {Verdict} ({Reason})")]
    private static partial void LogRejected(ILogger logger, string provider, string verdict, string reason);

    // Debug, not Information: under a webhook backlog a line per event was a JSON line and a write
    // per webhook. The inbox row is the durable record of each event, the request log counts the
    // webhooks answered, and the metrics count stored and duplicate events.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Stored {Provider} event {EventType} {EventId} as inbox {InboxId}")]
    private static partial void LogStored(ILogger logger, string provider, string eventType, string eventId, long inboxId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Duplicate {Provider} event {EventId} (inbox {InboxId}) acknowledged again")]
    private static partial void LogDuplicate(ILogger logger, string provider, string eventId, long inboxId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store {Provider} webhook: storage failed with {ErrorType}; answered 503")]
    private static partial void LogStorageDown(ILogger logger, string provider, string errorType);
}

internal sealed record WebhookAck(long InboxId, bool Duplicate);
