using System.Data.Common;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Payments;

namespace Orders.Api.PaymentEvents.Receiving;

// One provider's part of receiving a webhook: what it checks before the body is read, and what a
// verified body means. Everything else (size limit, storing, answering, logging, metrics) is the
// receiver's, the same for every provider.
internal interface IWebhookVerifier<TAck>
    where TAck : IResult
{
    string Provider { get; }

    WebhookRefusal? CheckBeforeReading(HttpRequest request) => null;

    // Nothing of the body may be parsed or trusted before its signature is checked here.
    Task<WebhookReading<TAck>> ReadAsync(HttpRequest request, byte[] body, CancellationToken ct);
}

// A delivery that is not acknowledged: the provider is told why, and retries where it makes sense.
internal sealed record WebhookRefusal(int Status, string Reason, string Title, string Detail, string? LogDetail = null, LogLevel Level = LogLevel.Warning)
{
    // PayPal's signature covers only a CRC-32 of the body: one transmission id, one body.
    public static readonly WebhookRefusal ReusedTransmission = new(StatusCodes.Status401Unauthorized, "forged", "Webhook signature rejected",
        "This transmission was already received with another body.", "the transmission id came before with another body");
}

// A verified delivery: the events to store (or the inbox row of a repeat the verifier recognised
// from memory), and how the provider wants to hear that they are stored.
internal sealed record WebhookReading<TAck>(
    WebhookRefusal? Refusal,
    IReadOnlyList<PaymentEvent> Events,
    Func<StoredEvent, TAck> Acknowledge,
    WebhookTransmission? Transmission = null,
    (string EventId, long InboxId)? RecentlyStored = null)
    where TAck : IResult
{
    public static WebhookReading<TAck> Refuse(WebhookRefusal refusal) => new(refusal, [], _ => throw new InvalidOperationException("A refused delivery is not acknowledged."));
}

// read (size-limited) → the provider's verifier → store every event (group commit; the batch's new
// ids go to one Hangfire job) → acknowledge. Nothing is parsed before it is verified, and 2xx is only
// said once every event is durably stored (ARCHITECTURE principle 2).
internal static partial class WebhookReceiver
{
    public const int MaxBodyBytes = 256 * 1024;

    // The providers' webhook endpoints run straight from routing (short-circuit). They are
    // authenticated by their signatures, never by a staff session, carry no antiforgery token, have
    // no rate limit, and are posted to the HTTPS address the provider was given: authentication,
    // authorization, rate limiting, antiforgery and HSTS have nothing to do for
    // them, yet cost every delivery under a backlog. The request log, the security headers, the
    // exception handler and the status-code pages run before routing (HostingRegistration.UseHosting),
    // so they still see every webhook. Authorization metadata on a short-circuited endpoint makes
    // routing throw, so none can be added here by mistake and silently skipped.
    public static RouteGroupBuilder MapWebhookGroup(this IEndpointRouteBuilder app, string prefix)
    {
        // Refusals (WebhookRefusal): 400 malformed, 401 signature, 413 too big, 422 card-like data,
        // 503 not stored or not verifiable now; the provider retries what it should.
        var group = app.MapGroup(prefix).WithTags("Webhooks").DisableAntiforgery()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.ShortCircuit();
        return group;
    }

    public static async Task<Results<TAck, ProblemHttpResult>> ReceiveAsync<TAck>(
        HttpRequest request, IWebhookVerifier<TAck> verifier, PaymentEventStore store, OrdersMetrics metrics, ILogger logger, CancellationToken ct)
        where TAck : IResult
    {
        var provider = verifier.Provider;
        if (verifier.CheckBeforeReading(request) is { } unread)
        {
            return Refuse(provider, unread, metrics, logger);
        }

        var body = await ReadBodyAsync(request, ct);
        if (body is null)
        {
            return Refuse(provider, new WebhookRefusal(StatusCodes.Status413PayloadTooLarge, "too-large", "Payload too large",
                $"Webhook bodies are limited to {MaxBodyBytes} bytes."), metrics, logger);
        }

        var reading = await verifier.ReadAsync(request, body, ct);
        if (reading.Refusal is { } refusal)
        {
            return Refuse(provider, refusal, metrics, logger);
        }

        if (reading.RecentlyStored is { } known)
        {
            return AcknowledgeRepeat(provider, known.EventId, known.InboxId, reading, metrics, logger);
        }

        TAck? answer = default;
        foreach (var paymentEvent in reading.Events)
        {
            var (stored, problem) = await StoreAsync(paymentEvent, reading.Transmission, store, metrics, logger, ct);
            if (problem is not null)
            {
                return problem; // 503 (storage), 422 or a reused transmission: not acknowledged, the provider retries
            }

            answer = stored!.Duplicate
                ? AcknowledgeRepeat(provider, paymentEvent.EventId, stored.InboxId, reading, metrics, logger)
                : Stored(paymentEvent, stored, reading, metrics, logger);
        }

        return answer ?? throw new InvalidOperationException($"The {provider} verifier accepted a delivery without events.");
    }

    private static async Task<(StoredEvent? Stored, ProblemHttpResult? Problem)> StoreAsync(
        PaymentEvent paymentEvent, WebhookTransmission? transmission, PaymentEventStore store, OrdersMetrics metrics, ILogger logger, CancellationToken ct)
    {
        StoredEvent stored;
        try
        {
            stored = await store.StoreForProcessingAsync(paymentEvent, ct, transmission);
        }
        catch (CardDataRefusedException)
        {
            return (null, Refuse(paymentEvent.Provider, new WebhookRefusal(StatusCodes.Status422UnprocessableEntity, "card-data", "Refused",
                "The event carries a value that looks like a card number."), metrics, logger));
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or TimeoutException)
        {
            // The database (or the store's writer, while shutting down) could not commit it: not acknowledged.
            LogStorageDown(logger, paymentEvent.Provider, e.GetType().Name);
            return (null, Problem(StatusCodes.Status503ServiceUnavailable, "Storage unavailable", "The event was not stored; please retry."));
        }

        return stored.TransmissionReused ? (null, Refuse(paymentEvent.Provider, WebhookRefusal.ReusedTransmission, metrics, logger)) : (stored, null);
    }

    private static TAck Stored<TAck>(PaymentEvent paymentEvent, StoredEvent stored, WebhookReading<TAck> reading, OrdersMetrics metrics, ILogger logger)
        where TAck : IResult
    {
        LogStored(logger, paymentEvent.Provider, paymentEvent.EventType, paymentEvent.EventId, stored.InboxId);
        metrics.WebhookReceived(paymentEvent.Provider);
        return reading.Acknowledge(stored);
    }

    private static TAck AcknowledgeRepeat<TAck>(string provider, string eventId, long inboxId, WebhookReading<TAck> reading, OrdersMetrics metrics, ILogger logger)
        where TAck : IResult
    {
        LogDuplicate(logger, provider, eventId, inboxId);
        metrics.WebhookDuplicated(provider);
        return reading.Acknowledge(new StoredEvent(inboxId, Duplicate: true));
    }

    private static ProblemHttpResult Refuse(string provider, WebhookRefusal refusal, OrdersMetrics metrics, ILogger logger)
    {
        LogRejected(logger, refusal.Level, provider, refusal.Reason, refusal.LogDetail ?? refusal.Detail);
        metrics.WebhookRejected(provider, refusal.Reason);
        return Problem(refusal.Status, refusal.Title, refusal.Detail);
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

    [LoggerMessage(Message = "Rejected {Provider} webhook: {Reason} ({Detail})")]
    private static partial void LogRejected(ILogger logger, LogLevel level, string provider, string reason, string detail);

    // Debug, not Information: under a webhook backlog a line per event was a JSON line and a write
    // per webhook. The stored row is the durable record of each event, the request log counts the
    // webhooks answered, and the metrics count stored and duplicate events.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Stored {Provider} event {EventType} {EventId} as inbox {InboxId}")]
    private static partial void LogStored(ILogger logger, string provider, string eventType, string eventId, long inboxId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Duplicate {Provider} event {EventId} (inbox {InboxId}) acknowledged again")]
    private static partial void LogDuplicate(ILogger logger, string provider, string eventId, long inboxId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store {Provider} webhook: storage failed with {ErrorType}; answered 503")]
    private static partial void LogStorageDown(ILogger logger, string provider, string errorType);
}

internal sealed record WebhookAck(long InboxId, bool Duplicate)
{
    public static Ok<WebhookAck> For(StoredEvent stored) => TypedResults.Ok(new WebhookAck(stored.InboxId, stored.Duplicate));
}
