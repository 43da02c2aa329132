namespace Orders.Api.Payments.Avangate;

// Turns a verified notification into the provider-neutral PaymentEvent. Of the dozens of fields
// (postal address, phone, IP address, card type and last digits, company, fiscal codes…) only the
// ones an order record needs are read; nothing else is kept anywhere.
internal static class AvangateEvents
{
    public const string ProviderName = "avangate";
    private const int MaxFieldLength = 128;

    public static PaymentEvent FromIpn(AvangateNotification ipn, AvangateOptions options, bool acceptTestOrders)
    {
        var refNo = Required(ipn, "REFNO");
        var status = Required(ipn, "ORDERSTATUS");
        var currency = Clip(ipn.First("CURRENCY"))?.ToUpperInvariant();
        long? amount = Money.TryParseMinor(ipn.First("IPN_TOTALGENERAL"), currency, out var minor) ? minor : null;
        var fraudStatus = ipn.First("FRAUD_STATUS");

        // Its identity is what the reseller signed, never a field name a replayer could change.
        var eventId = "ipn:" + ipn.Digest;
        var kind = status switch
        {
            _ when ipn.First("TEST_ORDER") == "1" && !acceptTestOrders => PaymentEventKind.Ignored,
            _ when fraudStatus is "DENIED" or "INVALID" or "SUSPECT" => PaymentEventKind.Canceled,
            "COMPLETE" or "AUTHRECEIVED" => PaymentEventKind.Paid,
            "PAYMENT_AUTHORIZED" => options.AcceptAuthorized && fraudStatus == "APPROVED" ? PaymentEventKind.Paid : PaymentEventKind.Pending,
            "PENDING" or "PURCHASE_PENDING" or "PENDING_APPROVAL" or "PAYMENT_RECEIVED" or "PENDING_ORDER_APPROVAL" => PaymentEventKind.Pending,
            "REFUND" => PaymentEventKind.Refunded,
            "REVERSED" => PaymentEventKind.Reversed,
            "CANCELED" or "INVALID" or "SUSPECT" => PaymentEventKind.Canceled,
            _ => PaymentEventKind.Ignored,
        };

        return new PaymentEvent(
            ProviderName,
            eventId,
            Clip($"IPN.{status}")!,
            kind,
            Clip(ipn.First("REFNOEXT")),
            refNo,
            Clip(ipn.FirstOf("IPN_LICENSE_REF")),
            // A refund notification refunds the order; its own identity is the message.
            kind == PaymentEventKind.Refunded ? eventId : null,
            kind == PaymentEventKind.Refunded ? null : amount,
            currency,
            ProductSku(ipn, options));
    }

    public static PaymentEvent FromLcn(AvangateNotification lcn)
    {
        var licenseCode = Required(lcn, "LICENSE_CODE");
        var status = Clip(lcn.First("STATUS"))?.ToUpperInvariant() ?? "UNKNOWN";
        var kind = status is "DISABLED" or "CANCELED" or "EXPIRED" or "PAST_DUE" ? PaymentEventKind.LicenseDisabled : PaymentEventKind.Ignored;
        return new PaymentEvent(ProviderName, "lcn:" + lcn.Digest, $"LCN.{status}", kind,
            null, null, licenseCode, null, null, null);
    }

    // Our sku travels as the item's external reference; a catalog product is mapped back by its code.
    private static string? ProductSku(AvangateNotification ipn, AvangateOptions options)
    {
        if (Clip(ipn.FirstOf("IPN_EXTERNAL_REFERENCE")) is { } external)
        {
            return external;
        }

        var code = ipn.FirstOf("IPN_PCODE");
        return options.ProductCodes.FirstOrDefault(p => string.Equals(p.Value, code, StringComparison.Ordinal)).Key;
    }

    private static string Required(AvangateNotification n, string name) =>
        Clip(n.First(name)) ?? throw new AvangateNotificationException($"The field {name} is missing.");

    private static string? Clip(string? value) =>
        string.IsNullOrEmpty(value) ? null
        : value.Length <= MaxFieldLength ? value
        : throw new AvangateNotificationException("A field is too long.");
}

internal sealed class AvangateNotificationException(string message) : Exception(message);
