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
            "PAYMENT.CAPTURE.COMPLETED" => FromCapture(eventId, eventType, PaymentEventKind.Paid, resource),
            "PAYMENT.CAPTURE.PENDING" => FromCapture(eventId, eventType, PaymentEventKind.Pending, resource),
            "PAYMENT.CAPTURE.DENIED" or "PAYMENT.CAPTURE.DECLINED" => FromCapture(eventId, eventType, PaymentEventKind.Failed, resource),
            "PAYMENT.CAPTURE.REFUNDED" => FromRefund(eventId, eventType, PaymentEventKind.Refunded, resource),
            "PAYMENT.CAPTURE.REVERSED" => FromRefund(eventId, eventType, PaymentEventKind.Reversed, resource),
            "CHECKOUT.ORDER.APPROVED" => FromOrderResource(eventId, eventType, PaymentEventKind.Approved, resource),
            "CHECKOUT.PAYMENT-APPROVAL.REVERSED" => FromOrderResource(eventId, eventType, PaymentEventKind.Canceled, resource),
            _ => new PaymentEvent(PayPalProvider.ProviderName, eventId, Clip(eventType), PaymentEventKind.Ignored, null, null, null, null, null, null),
        };
    }

    // After a capture (ours or someone else's) the order itself says what happened to the money.
    public static PaymentEvent? FromOrder(PayPalOrder order)
    {
        var unit = order.PurchaseUnits?.FirstOrDefault();
        var capture = unit?.Payments?.Captures?.FirstOrDefault();
        if (unit is null || capture is null)
        {
            return null;
        }

        var kind = capture.Status switch
        {
            "COMPLETED" => PaymentEventKind.Paid,
            "PENDING" => PaymentEventKind.Pending,
            "DECLINED" or "FAILED" => PaymentEventKind.Failed,
            // Refunds and reversals of this capture arrive as their own webhooks with their amounts.
            _ => PaymentEventKind.Ignored,
        };
        long? amount = Money.TryParseMinor(capture.Amount?.Value, capture.Amount?.CurrencyCode, out var minor) ? minor : null;
        return new PaymentEvent(
            PayPalProvider.ProviderName,
            $"capture:{capture.Id}:{capture.Status}",
            $"CAPTURE.RESULT.{capture.Status}",
            kind,
            capture.CustomId ?? unit.CustomId,
            order.Id,
            capture.Id,
            null,
            amount,
            capture.Amount?.CurrencyCode);
    }

    private static PaymentEvent FromCapture(string eventId, string eventType, PaymentEventKind kind, JsonElement capture)
    {
        var (amount, currency) = ReadAmount(capture);
        var orderId = capture.TryGetProperty("supplementary_data", out var supplementary)
            && supplementary.TryGetProperty("related_ids", out var related)
                ? OptionalString(related, "order_id")
                : null;
        return new PaymentEvent(
            PayPalProvider.ProviderName, eventId, eventType, kind,
            OptionalString(capture, "custom_id"), orderId, RequiredString(capture, "id"), null, amount, currency);
    }

    // One refund is one event, whoever reports it: the answer to our own refund call and PayPal's
    // PAYMENT.CAPTURE.REFUNDED webhook (and its repeats) share this id, so the inbox keeps it once.
    public static string RefundEventId(string refundId) => $"refund:{refundId}";

    // The resource of a refund or reversal is the refund; its "up" link points at the capture.
    private static PaymentEvent FromRefund(string eventId, string eventType, PaymentEventKind kind, JsonElement refund)
    {
        var (amount, currency) = ReadAmount(refund);
        var captureId = LinkTarget(refund, "up");
        var refundId = RequiredString(refund, "id");
        return new PaymentEvent(
            PayPalProvider.ProviderName, kind == PaymentEventKind.Refunded ? RefundEventId(refundId) : eventId, eventType, kind,
            OptionalString(refund, "custom_id"), null, captureId, refundId, amount, currency);
    }

    private static PaymentEvent FromOrderResource(string eventId, string eventType, PaymentEventKind kind, JsonElement order)
    {
        string? customId = null;
        long? amount = null;
        string? currency = null;
        if (order.TryGetProperty("purchase_units", out var units) && units.ValueKind == JsonValueKind.Array && units.GetArrayLength() > 0)
        {
            var unit = units[0];
            customId = OptionalString(unit, "custom_id");
            (amount, currency) = ReadAmount(unit);
        }

        var orderId = OptionalString(order, "id") ?? OptionalString(order, "order_id")
            ?? throw new PayPalEventException("The order resource has no id.");
        return new PaymentEvent(PayPalProvider.ProviderName, eventId, eventType, kind, customId, orderId, null, null, amount, currency);
    }

    private static (long? Amount, string? Currency) ReadAmount(JsonElement element)
    {
        if (!element.TryGetProperty("amount", out var money) || money.ValueKind != JsonValueKind.Object)
        {
            return (null, null);
        }

        var currency = OptionalString(money, "currency_code");
        var value = OptionalString(money, "value");
        if (currency is null || value is null)
        {
            return (null, null);
        }

        return Money.TryParseMinor(value, currency, out var minor)
            ? (minor, currency)
            : throw new PayPalEventException("The amount is not a valid decimal for its currency.");
    }

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
