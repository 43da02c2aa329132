using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Orders.Api.Payments.PayPal;

// Turns what PayPal says (a verified webhook event, or an order read back after a capture) into
// the provider-neutral PaymentEvent. Branches on event_type and status codes only, never on text.
internal static class PayPalEvents
{
    private const int MaxIdLength = 128;

    // The event's top-level "id", read without parsing the rest (PayPal puts it first). Only for
    // recognising a repeat of an event already stored, after its signature was verified: such an
    // event was parsed and checked in full when it was stored. Anything unusual answers false.
    public static bool TryPeekEventId(ReadOnlySpan<byte> body, [NotNullWhen(true)] out string? eventId)
    {
        eventId = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isId = reader.ValueTextEquals("id"u8);
                if (!reader.Read())
                {
                    return false;
                }

                if (isId)
                {
                    eventId = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    return !string.IsNullOrEmpty(eventId) && eventId.Length <= MaxIdLength;
                }

                reader.Skip();
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    // A webhook is a notification, never a fact: its signature covers only a CRC-32 of the body
    // (PROVIDERS.md 1.8), so every event that could move money is stored as Notified with the ids it
    // names, and processing asks PayPal's API what those resources really are (ConfirmAsync).
    // Amounts and order numbers in the body are not kept: only what the API answers counts.
    public static PaymentEvent FromWebhook(JsonElement root)
    {
        var eventId = RequiredString(root, "id");
        var eventType = RequiredString(root, "event_type");
        if (!root.TryGetProperty("resource", out var resource) || resource.ValueKind != JsonValueKind.Object)
        {
            throw new PayPalEventException("The event has no resource object.");
        }

        return eventType switch
        {
            CaptureCompleted or "PAYMENT.CAPTURE.PENDING" or "PAYMENT.CAPTURE.DENIED" or "PAYMENT.CAPTURE.DECLINED" =>
                Notification(eventId, eventType, OrderIdOfCapture(resource), RequiredString(resource, "id"), null),
            "PAYMENT.CAPTURE.REFUNDED" or CaptureReversed =>
                Notification(eventId, eventType, null, LinkTarget(resource, "up"), RequiredString(resource, "id")),
            "CHECKOUT.ORDER.APPROVED" or ApprovalReversed =>
                Notification(eventId, eventType, OptionalString(resource, "id") ?? OptionalString(resource, "order_id")
                    ?? throw new PayPalEventException("The order resource has no id."), null, null),
            _ => new PaymentEvent(PayPalProvider.ProviderName, eventId, Clip(eventType), PaymentEventKind.Ignored, null, null, null, null, null, null),
        };
    }

    public const string CaptureCompleted = "PAYMENT.CAPTURE.COMPLETED";
    public const string CaptureReversed = "PAYMENT.CAPTURE.REVERSED";
    public const string ApprovalReversed = "CHECKOUT.PAYMENT-APPROVAL.REVERSED";

    private static PaymentEvent Notification(string eventId, string eventType, string? orderId, string? captureId, string? refundId) =>
        new(PayPalProvider.ProviderName, eventId, eventType, PaymentEventKind.Notified, null, orderId, captureId, refundId, null, null);

    // After a capture (ours or someone else's) the order itself says what happened to the money.
    public static PaymentEvent? FromOrder(PayPalOrder order)
    {
        var unit = order.PurchaseUnits?.FirstOrDefault();
        var capture = unit?.Payments?.Captures?.FirstOrDefault();
        return unit is null || capture is null ? null : FromCapture(capture, "CAPTURE.RESULT", unit.CustomId, order.Id);
    }

    // A capture as GET /v2/payments/captures/{id} answers it. The id is shared with FromOrder's, so
    // a capture learned on the customer's return and confirmed again for its webhook is one event.
    public static PaymentEvent FromCapture(PayPalCapture capture) =>
        FromCapture(capture, "CAPTURE.CONFIRMED", null, capture.SupplementaryData?.RelatedIds?.OrderId);

    private static PaymentEvent FromCapture(PayPalCapture capture, string typePrefix, string? unitCustomId, string? orderId)
    {
        var kind = capture.Status switch
        {
            "COMPLETED" => PaymentEventKind.Paid,
            "PENDING" => PaymentEventKind.Pending,
            "DECLINED" or "FAILED" => PaymentEventKind.Failed,
            // Refunds and reversals of this capture are confirmed as their own events with their amounts.
            _ => PaymentEventKind.Ignored,
        };
        long? amount = Money.TryParseMinor(capture.Amount?.Value, capture.Amount?.CurrencyCode, out var minor) ? minor : null;
        return new PaymentEvent(
            PayPalProvider.ProviderName,
            $"capture:{capture.Id}:{capture.Status}",
            $"{typePrefix}.{capture.Status}",
            kind,
            capture.CustomId ?? unitCustomId,
            orderId,
            capture.Id,
            null,
            amount,
            capture.Amount?.CurrencyCode);
    }

    // One refund is one event, whoever reports it: the answer to our own refund call and the
    // confirmation of PayPal's PAYMENT.CAPTURE.REFUNDED webhook (and its repeats) share this id.
    public static string RefundEventId(string refundId) => $"refund:{refundId}";

    // A refund (or a reversal, when PayPal took back the whole capture) as PayPal's API answers it.
    // Only a COMPLETED refund returns money; pending, failed and cancelled ones change nothing.
    public static PaymentEvent FromRefund(PayPalRefund refund, string? captureId, bool reversal, string? orderNumber = null)
    {
        long? amount = Money.TryParseMinor(refund.Amount?.Value, refund.Amount?.CurrencyCode, out var minor) ? minor : null;
        var kind = refund.Status != "COMPLETED" ? PaymentEventKind.Ignored : reversal ? PaymentEventKind.Reversed : PaymentEventKind.Refunded;
        return new PaymentEvent(
            PayPalProvider.ProviderName,
            reversal ? $"reversal:{refund.Id}" : RefundEventId(refund.Id),
            (reversal ? "REVERSAL.CONFIRMED." : "REFUND.CONFIRMED.") + refund.Status,
            kind,
            orderNumber ?? refund.CustomId,
            null,
            captureId ?? LinkTarget(refund.Links, "up"),
            refund.Id,
            amount,
            refund.Amount?.CurrencyCode);
    }

    // PayPal confirmed that this order was never paid (not approved, not completed, or gone).
    public static PaymentEvent Canceled(string orderNumber, string payPalOrderId, string payPalStatus) =>
        new(PayPalProvider.ProviderName, $"order:{payPalOrderId}:canceled", $"ORDER.CONFIRMED.{payPalStatus}", PaymentEventKind.Canceled,
            orderNumber, payPalOrderId, null, null, null, null);

    private static string? OrderIdOfCapture(JsonElement capture) =>
        capture.TryGetProperty("supplementary_data", out var supplementary) && supplementary.ValueKind == JsonValueKind.Object
            && supplementary.TryGetProperty("related_ids", out var related) && related.ValueKind == JsonValueKind.Object
            ? OptionalString(related, "order_id")
            : null;

    private static string? LinkTarget(JsonElement element, string rel)
    {
        if (!element.TryGetProperty("links", out var links) || links.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var link in links.EnumerateArray())
        {
            if (OptionalString(link, "rel") == rel && OptionalString(link, "href") is { } href && Uri.TryCreate(href, UriKind.Absolute, out var uri))
            {
                return Clip(uri.Segments[^1].TrimEnd('/'));
            }
        }

        return null;
    }

    private static string? LinkTarget(List<PayPalLink>? links, string rel) =>
        links?.FirstOrDefault(l => l.Rel == rel) is { } link && Uri.TryCreate(link.Href, UriKind.Absolute, out var uri)
            ? Clip(uri.Segments[^1].TrimEnd('/'))
            : null;

    private static string RequiredString(JsonElement element, string name) =>
        OptionalString(element, name) ?? throw new PayPalEventException($"The field '{name}' is missing.");

    private static string? OptionalString(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new PayPalEventException($"The field '{name}' is not a string.");
        }

        var text = value.GetString();
        return string.IsNullOrEmpty(text) ? null : text.Length <= MaxIdLength ? text : throw new PayPalEventException($"The field '{name}' is too long.");
    }

    private static string Clip(string value) => value.Length <= MaxIdLength ? value : value[..MaxIdLength];
}

internal sealed class PayPalEventException(string message) : Exception(message);
