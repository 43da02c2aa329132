using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orders.Sandbox.PayPal;

internal static class PayPalRequestBody
{
    // Reads a JSON body. Empty counts as "no body" where the API allows one (capture, refund).
    public static async Task<(JsonNode? Body, PayPalFailure? Failure)> ReadAsync(HttpRequest request, bool allowEmpty, string api, CancellationToken cancellationToken)
    {
        var bytes = await ReadBytesAsync(request, cancellationToken);
        if (bytes.Length == 0)
        {
            return allowEmpty ? (null, null) : (null, PayPalErrors.MalformedJson(api));
        }
        if (!request.HasJsonContentType())
        {
            return (null, PayPalErrors.UnsupportedMediaType());
        }
        try
        {
            return (JsonNode.Parse(bytes, documentOptions: PayPalJson.Strict), null);
        }
        catch (JsonException)
        {
            return (null, PayPalErrors.MalformedJson(api));
        }
    }

    public static async Task<byte[]> ReadBytesAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    // "Prefer: return=representation" asks for the full resource; minimal is PayPal's default.
    public static bool WantsRepresentation(string? prefer) =>
        prefer is not null && prefer.Contains("return=representation", StringComparison.OrdinalIgnoreCase);

    public static PayPalFailure? CheckRequestId(string? requestId) =>
        requestId is { Length: > PayPalIdempotency.MaxRequestIdLength }
            ? PayPalErrors.InvalidRequest([PayPalErrors.Issue("INVALID_STRING_LENGTH", "PayPal-Request-Id", null, "header")])
            : null;
}
