using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Microsoft.Extensions.Options;

namespace Orders.Sandbox.Avangate;

internal static class AvangateNotificationKinds
{
    public const string Ipn = "ipn";
    public const string Lcn = "lcn";
}

// The unsigned field lists of an IPN (PROVIDERS.md 2.1, in the order of a real payload) and an
// LCN (2.6, with DATE_UPDATED, the time of the change). Signatures are appended by AvangateIpnSigner.
internal sealed class AvangateNotificationFields(IOptions<AvangateSandboxOptions> options)
{
    private const string Zero = "0";

    public List<KeyValuePair<string, string>> Ipn(AvangateOrder order, string orderStatus, string messageId, DateTimeOffset now)
    {
        var link = order.Link;
        var items = link.Items;
        var currency = link.Currency;
        var email = order.Email ?? link.PrefillEmail ?? AvangateSandboxShopper.Email;
        var paid = order.PaidAt is { } paidAt ? AvangateTime.DateTime(paidAt) : AvangateTime.Never;
        var completed = orderStatus != "PAYMENT_AUTHORIZED" && order.CompletedAt is { } completedAt ? AvangateTime.DateTime(completedAt) : AvangateTime.Never;
        var money = (decimal value) => AvangateMoney.Format(value, currency);
        var zeroMoney = money(0);
        var f = new FieldList();

        f.Add("GIFT_ORDER", Zero);
        f.Add("SALEDATE", AvangateTime.DateTime(order.CreatedAt));
        f.Add("PAYMENTDATE", paid);
        f.Add("REFNO", order.Refno);
        f.Add("REFNOEXT", link.OrderExternalReference);
        f.Add("SHOPPER_REFERENCE_NUMBER", "");
        f.Add("ORDERNO", order.OrderNumber.ToString(CultureInfo.InvariantCulture));
        f.Add("ORDERSTATUS", orderStatus);
        f.Add("PAYMETHOD", "Visa/MasterCard");
        f.Add("PAYMETHOD_CODE", "CCVISAMC");
        f.Add("FIRSTNAME", AvangateSandboxShopper.FirstName);
        f.Add("LASTNAME", AvangateSandboxShopper.LastName);
        f.Add("COMPANY", AvangateSandboxShopper.Company);
        f.Add("REGISTRATIONNUMBER", AvangateSandboxShopper.RegistrationNumber);
        f.Add("FISCALCODE", AvangateSandboxShopper.FiscalCode);
        f.Add("TAX_OFFICE", "");
        f.Add("CBANKNAME", "");
        f.Add("CBANKACCOUNT", "");
        f.Add("ADDRESS1", AvangateSandboxShopper.Address1);
        f.Add("ADDRESS2", "");
        f.Add("CITY", AvangateSandboxShopper.City);
        f.Add("STATE", AvangateSandboxShopper.State);
        f.Add("ZIPCODE", AvangateSandboxShopper.ZipCode);
        f.Add("COUNTRY", AvangateSandboxShopper.Country);
        f.Add("COUNTRY_CODE", AvangateSandboxShopper.CountryCode);
        f.Add("PHONE", AvangateSandboxShopper.Phone);
        f.Add("FAX", AvangateSandboxShopper.Fax);
        f.Add("CUSTOMEREMAIL", email);
        f.Add("FIRSTNAME_D", AvangateSandboxShopper.FirstName);
        f.Add("LASTNAME_D", AvangateSandboxShopper.LastName);
        f.Add("COMPANY_D", AvangateSandboxShopper.Company);
        f.Add("ADDRESS1_D", AvangateSandboxShopper.Address1);
        f.Add("ADDRESS2_D", "");
        f.Add("CITY_D", AvangateSandboxShopper.City);
        f.Add("STATE_D", AvangateSandboxShopper.State);
        f.Add("ZIPCODE_D", AvangateSandboxShopper.ZipCode);
        f.Add("COUNTRY_D", AvangateSandboxShopper.Country);
        f.Add("COUNTRY_D_CODE", AvangateSandboxShopper.CountryCode);
        f.Add("PHONE_D", AvangateSandboxShopper.Phone);
        f.Add("EMAIL_D", email);
        f.Add("IPADDRESS", AvangateSandboxShopper.IpAddress);
        f.Add("IPCOUNTRY", AvangateSandboxShopper.IpCountry);
        f.Add("COMPLETE_DATE", completed);
        f.Add("TIMEZONE_OFFSET", "GMT+00:00");
        f.Add("CURRENCY", currency);
        f.Add("LANGUAGE", "en");
        f.Add("ORDERFLOW", "REGULAR");
        f.Each("IPN_PID[]", items, (item, _) => ProductId(item.Name));
        f.Each("IPN_PNAME[]", items, (item, _) => item.Name);
        f.Each("IPN_PCODE[]", items, (_, _) => "");
        f.Each("IPN_EXTERNAL_REFERENCE[]", items, (item, _) => item.ExternalReference ?? "");
        f.Each("IPN_INFO[]", items, (_, _) => "");
        f.Each("IPN_QTY[]", items, (item, _) => item.Quantity.ToString(CultureInfo.InvariantCulture));
        f.Each("IPN_PRICE[]", items, (item, _) => money(item.UnitPrice));
        f.Each("IPN_VAT[]", items, (_, _) => zeroMoney);
        f.Each("IPN_VAT_RATE[]", items, (_, _) => "0.00");
        f.Each("IPN_VER[]", items, (_, _) => "1");
        f.Each("IPN_DISCOUNT[]", items, (_, _) => zeroMoney);
        f.Each("IPN_PROMOTION_CATEGORY[]", items, (_, _) => "");
        f.Each("IPN_PROMONAME[]", items, (_, _) => "");
        f.Each("IPN_PROMOCODE[]", items, (_, _) => "");
        f.Each("IPN_ORDER_COSTS[]", items, (_, _) => zeroMoney);
        f.Each("IPN_SKU[]", items, (_, _) => "");
        f.Add("IPN_PARTNER_CODE", "");
        f.Each("IPN_PGROUP[]", items, (_, _) => Zero);
        f.Each("IPN_PGROUP_NAME[]", items, (_, _) => "");
        f.Add("MESSAGE_ID", messageId);
        f.Add("MESSAGE_TYPE", MessageType(orderStatus));
        f.Each("IPN_LICENSE_PROD[]", items, (item, _) => ProductId(item.Name));
        f.Each("IPN_LICENSE_TYPE[]", items, (_, _) => "REGULAR");
        f.Each("IPN_LICENSE_REF[]", items, (_, line) => order.LicenseReference(line));
        f.Each("IPN_LICENSE_EXP[]", items, (_, _) => AvangateTime.DateTime(order.LicenseExpires));
        f.Each("IPN_LICENSE_START[]", items, (_, _) => AvangateTime.DateTime(order.LicenseStart));
        f.Each("IPN_LICENSE_LIFETIME[]", items, (_, _) => "NO");
        f.Each("IPN_LICENSE_ADDITIONAL_INFO[]", items, (_, _) => "");
        f.Each("IPN_DELIVEREDCODES[]", items, (_, _) => "");
        f.Add("IPN_DOWNLOAD_LINK", "");
        f.Each("IPN_TOTAL[]", items, (item, _) => money(item.UnitPrice * item.Quantity));
        f.Add("IPN_TOTALGENERAL", money(link.Total));
        f.Add("IPN_SHIPPING", zeroMoney);
        f.Add("IPN_SHIPPING_TAX", zeroMoney);
        f.Add("AVANGATE_CUSTOMER_REFERENCE", order.CustomerReference);
        f.Add("EXTERNAL_CUSTOMER_REFERENCE", link.CustomerExternalReference ?? "");
        f.Add("TEST_ORDER", "1");
        f.Add("IPN_ORDER_ORIGIN", "Web");
        f.Add("FRAUD_STATUS", "APPROVED");
        f.Add("CARD_TYPE", AvangateSandboxShopper.CardType);
        f.Add("CARD_LAST_DIGITS", AvangateSandboxShopper.CardLastDigits);
        f.Add("CARD_EXPIRATION_DATE", AvangateSandboxShopper.CardExpirationDate);
        f.Add("GATEWAY_RESPONSE", "Approved");
        f.Add("IPN_DATE", AvangateTime.Compact(now));
        f.Add("FX_RATE", "1");
        f.Add("FX_MARKUP", Zero);
        f.Add("PAYABLE_AMOUNT", money(AvangateMoney.Payable(link.Total, currency)));
        f.Add("PAYOUT_CURRENCY", currency);
        f.Add("VENDOR_CODE", options.Value.MerchantCode);
        f.Add("PROPOSAL_ID", "");
        return f.Fields;
    }

    public static List<KeyValuePair<string, string>> Lcn(AvangateOrder order, string status, DateTimeOffset now)
    {
        var f = new FieldList();
        f.Add("FIRSTNAME", AvangateSandboxShopper.FirstName);
        f.Add("LASTNAME", AvangateSandboxShopper.LastName);
        f.Add("COMPANY", AvangateSandboxShopper.Company);
        f.Add("EMAIL", order.Email ?? order.Link.PrefillEmail ?? AvangateSandboxShopper.Email);
        f.Add("PHONE", AvangateSandboxShopper.Phone);
        f.Add("FAX", AvangateSandboxShopper.Fax);
        f.Add("COUNTRY", AvangateSandboxShopper.Country);
        f.Add("STATE", AvangateSandboxShopper.State);
        f.Add("CITY", AvangateSandboxShopper.City);
        f.Add("ADDRESS", AvangateSandboxShopper.Address1);
        f.Add("LICENSE_CODE", order.LicenseReference(0));
        f.Add("EXPIRATION_DATE", AvangateTime.Date(order.LicenseExpires));
        f.Add("DATE_UPDATED", AvangateTime.DateTime(now));
        f.Add("STATUS", status);
        return f.Fields;
    }

    // Card payments: APPROVED on authorisation (PROVIDERS.md 2.1); otherwise the status itself.
    private static string MessageType(string orderStatus) => orderStatus == "PAYMENT_AUTHORIZED" ? "APPROVED" : orderStatus;

    // 2Checkout's numeric product id; a dynamic product gets a stable one from its name.
    private static string ProductId(string name) =>
        (1_000_000 + Crc32.HashToUInt32(Encoding.UTF8.GetBytes(name)) % 9_000_000).ToString(CultureInfo.InvariantCulture);

    private sealed class FieldList
    {
        public List<KeyValuePair<string, string>> Fields { get; } = [];

        public void Add(string name, string value) => Fields.Add(new(name, value));

        // An array field: one entry per product, contiguous, as 2Checkout sends them.
        public void Each(string name, IReadOnlyList<BuyLinkItem> items, Func<BuyLinkItem, int, string> value)
        {
            for (var i = 0; i < items.Count; i++)
            {
                Add(name, value(items[i], i));
            }
        }
    }
}
