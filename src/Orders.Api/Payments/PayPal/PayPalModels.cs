using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orders.Api.Payments.PayPal;

// The slices of PayPal's Orders v2 / Payments v2 JSON this service reads or writes.
internal static class PayPalJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

internal sealed record PayPalMoney(string CurrencyCode, string Value);

internal sealed record PayPalLink(string Href, string Rel, string? Method);

internal sealed record PayPalOrder(string Id, string Status, List<PayPalLink>? Links, List<PayPalPurchaseUnit>? PurchaseUnits);

internal sealed record PayPalPurchaseUnit(
    string? ReferenceId,
    string? CustomId,
    string? InvoiceId,
    PayPalMoney? Amount,
    PayPalPayments? Payments);

internal sealed record PayPalPayments(List<PayPalCapture>? Captures);

internal sealed record PayPalCapture(
    string Id,
    string Status,
    PayPalMoney? Amount,
    string? CustomId,
    string? InvoiceId,
    PayPalSupplementaryData? SupplementaryData = null,
    List<PayPalLink>? Links = null);

// On a capture read by itself (GET /v2/payments/captures/{id}): the PayPal order it belongs to.
internal sealed record PayPalSupplementaryData(PayPalRelatedIds? RelatedIds);

internal sealed record PayPalRelatedIds(string? OrderId);

internal sealed record PayPalRefund(string Id, string Status, PayPalMoney? Amount, string? CustomId = null, List<PayPalLink>? Links = null);

internal sealed record PayPalTokenResponse(string AccessToken, string TokenType, int ExpiresIn);

internal sealed record PayPalError(string? Name, string? Message, string? DebugId, List<PayPalErrorDetail>? Details);

internal sealed record PayPalErrorDetail(string? Issue, string? Field);

internal sealed record CreateOrderBody(string Intent, List<CreatePurchaseUnit> PurchaseUnits, PaymentSourceBody PaymentSource);

internal sealed record CreatePurchaseUnit(
    string ReferenceId,
    string CustomId,
    string InvoiceId,
    string Description,
    AmountWithBreakdown Amount,
    List<ItemBody> Items);

internal sealed record AmountWithBreakdown(string CurrencyCode, string Value, AmountBreakdown Breakdown);

internal sealed record AmountBreakdown(PayPalMoney ItemTotal);

internal sealed record ItemBody(string Name, string Sku, string Quantity, PayPalMoney UnitAmount, string Category);

internal sealed record PaymentSourceBody(PayPalSourceBody Paypal);

internal sealed record PayPalSourceBody(ExperienceContext ExperienceContext);

internal sealed record ExperienceContext(
    string BrandName,
    string ShippingPreference,
    string UserAction,
    string LandingPage,
    string ReturnUrl,
    string CancelUrl);

internal sealed record RefundBody(PayPalMoney? Amount, string? InvoiceId);
