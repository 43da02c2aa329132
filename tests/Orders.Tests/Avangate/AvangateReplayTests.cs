using System.Globalization;
using System.Net;
using Orders.Api.Payments.Avangate;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Avangate;

// The reseller signs values, not names: a recorded notification must not become new, fresh or
// different by renaming its fields.
public sealed class AvangateReplayTests : ServiceTest
{
    private readonly AvangateShop reseller;

    public AvangateReplayTests() => reseller = new AvangateShop(app, shop);

    [Fact]
    public async Task IpnWithIpnDateRenamedOrMissingIsRefused()
    {
        var checkout = await reseller.CheckoutAsync();
        var fields = AvangateShop.Ipn(checkout.OrderNumber, "100000021", "COMPLETE", "49.00");

        // An old notification whose date is hidden under an unknown name, under a later known one, or left out.
        var old = WithValue(fields, "IPN_DATE", "20200101000000");
        foreach (var renamed in new[] { Rename(old, "IPN_DATE", "IPN_DATE_OLD"), Rename(old, "IPN_DATE", "FX_RATE"), Rename(old, "IPN_DATE", "PROPOSAL_ID") })
        {
            using var response = await reseller.PostIpnAsync(reseller.Sign(renamed));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.DoesNotContain("<sig", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var missing = await reseller.PostIpnAsync(reseller.Sign(fields.Where(f => f.Key != "IPN_DATE").ToList())))
        {
            Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
            Assert.Contains("IPN_DATE", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox"));
        Assert.Equal("pending", (await shop.OrderAsync(checkout))!.Status);
    }

    [Fact]
    public async Task ReplayWithMessageIdRenamedIsRecognisedAsTheSameNotification()
    {
        var checkout = await reseller.CheckoutAsync();
        var signed = reseller.Sign(AvangateShop.Ipn(checkout.OrderNumber, "100000022", "COMPLETE", "49.00", messageId: "777"));
        using (var first = await reseller.PostIpnAsync(signed))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        await shop.WaitForStatusAsync(checkout, "paid");

        // MESSAGE_ID becomes the next field the account does not send, or a signature field is dropped:
        // the signature still holds, and it is still the same notification.
        var renamed = Rename(signed, "MESSAGE_ID", "MESSAGE_TYPE");
        var fewerSignatures = signed.Where(f => f.Key is not ("SIGNATURE_SHA3_256" or "HASH")).ToList();
        foreach (var replay in new[] { renamed, fewerSignatures, Rename(fewerSignatures, "MESSAGE_ID", "IPN_PARTNER_CODE") })
        {
            using var response = await reseller.PostIpnAsync(replay);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("<sig", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM licenses"));
    }

    [Fact]
    public async Task FieldsRenamedOutOfTheResellersOrderAreRefused()
    {
        var checkout = await reseller.CheckoutAsync();
        var fields = AvangateShop.Ipn(checkout.OrderNumber, "100000023", "COMPLETE", "49.00");
        fields.Insert(0, new("GIFT_ORDER", "0"));

        // A test order made to look real by swapping the names of GIFT_ORDER=0 and TEST_ORDER=1.
        var swapped = fields.Select(f => f.Key switch
        {
            "GIFT_ORDER" => new KeyValuePair<string, string>("TEST_ORDER", f.Value),
            "TEST_ORDER" => new KeyValuePair<string, string>("GIFT_ORDER", f.Value),
            _ => f,
        }).ToList();
        // A value moved from one product field to another, a product field split in two, a field
        // nobody sends, and a field after the signatures.
        var shifted = Rename(fields, "IPN_PNAME[]", "IPN_PID[]");
        var split = fields.SelectMany(f => f.Key == "IPN_QTY[]" ? new[] { f, new KeyValuePair<string, string>("IPN_PRICE[]", "0"), f } : [f]).ToList();
        var unknown = Rename(fields, "PHONE", "PHONE_NUMBER");
        foreach (var renamed in new[] { swapped, shifted, split, unknown })
        {
            using var response = await reseller.PostIpnAsync(reseller.Sign(renamed));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        // The signatures moved in front: still valid over the values, but not how the reseller sends them.
        var signed = reseller.Sign(fields);
        var signaturesFirst = signed.Where(f => f.Key.StartsWith("SIGNATURE", StringComparison.Ordinal)).Concat(signed.Where(f => !f.Key.StartsWith("SIGNATURE", StringComparison.Ordinal))).ToList();
        using (var response = await reseller.PostIpnAsync(signaturesFirst))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox"));
    }

    [Fact]
    public async Task LcnOutsideTheAgeWindowOrWithoutItsDateIsRefused()
    {
        const string licenseCode = "2CO-LIC-100000024";
        var old = Lcn(licenseCode, app.Clock.GetUtcNow().AddDays(-5));
        using (var response = await reseller.PostIpnAsync(reseller.Sign(old), "/webhooks/avangate/lcn"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        foreach (var undated in new[] { old.Where(f => f.Key != "DATE_UPDATED").ToList(), Rename(old, "DATE_UPDATED", "DATE_UPDATED_OLD") })
        {
            using var response = await reseller.PostIpnAsync(reseller.Sign(undated), "/webhooks/avangate/lcn");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox"));

        // The same change sent now is taken.
        using (var fresh = await reseller.PostIpnAsync(reseller.Sign(Lcn(licenseCode, app.Clock.GetUtcNow())), "/webhooks/avangate/lcn"))
        {
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
            Assert.StartsWith("<sig", await fresh.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox"));
    }

    private static List<KeyValuePair<string, string>> Lcn(string licenseCode, DateTimeOffset updated) =>
    [
        new("FIRSTNAME", "Ada"),
        new("LICENSE_CODE", licenseCode),
        new("EXPIRATION_DATE", "2027-12-31"),
        new("DATE_UPDATED", updated.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)),
        new("STATUS", "DISABLED"),
    ];

    private static List<KeyValuePair<string, string>> Rename(IEnumerable<KeyValuePair<string, string>> fields, string from, string to) =>
        [.. fields.Select(f => f.Key == from ? new KeyValuePair<string, string>(to, f.Value) : f)];

    private static List<KeyValuePair<string, string>> WithValue(IEnumerable<KeyValuePair<string, string>> fields, string name, string value) =>
        [.. fields.Select(f => f.Key == name ? new KeyValuePair<string, string>(name, value) : f)];
}

// Fields the reseller starts sending are added by configuration, in their place.
public sealed class AvangateAddedFieldTests
{
    [Fact]
    public async Task AFieldTheResellerStartedSendingIsTakenOnceConfiguredInItsPlace()
    {
        var added = AddedField();
        await using (var app = new OrdersApp())
        {
            var shop = new Shop(app);
            var reseller = new AvangateShop(app, shop);
            var checkout = await reseller.CheckoutAsync();
            using var response = await reseller.PostIpnAsync(reseller.Sign(added(checkout.OrderNumber)));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("IPN_LOYALTY_POINTS", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await using (var app = new OrdersApp(settings: new() { ["Avangate:AddedIpnFields:0"] = "IPN_LOYALTY_POINTS after IPN_TOTALGENERAL" }))
        {
            var shop = new Shop(app);
            var reseller = new AvangateShop(app, shop);
            var checkout = await reseller.CheckoutAsync();
            using var response = await reseller.PostIpnAsync(reseller.Sign(added(checkout.OrderNumber)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await shop.WaitForStatusAsync(checkout, "paid");
        }
    }

    [Fact]
    public void AnAddedFieldNamingNoKnownFieldRefusesToStart()
    {
        using var app = new OrdersApp(settings: new() { ["Avangate:AddedIpnFields:0"] = "IPN_LOYALTY_POINTS after NO_SUCH_FIELD" });
        var message = Assert.ThrowsAny<Exception>(() => app.Http()).ToString();
        Assert.Contains("Avangate:AddedIpnFields", message, StringComparison.Ordinal);
        Assert.Contains("NO_SUCH_FIELD", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProductFieldsMustBeContiguousAndEquallyLong()
    {
        var order = AvangateFieldOrder.With(AvangateFieldOrder.Ipn, []);
        KeyValuePair<string, string> F(string name) => new(name, "x");
        Assert.Null(order.Problem([F("REFNO"), F("IPN_PID[]"), F("IPN_PID[]"), F("IPN_PNAME[]"), F("IPN_PNAME[]"), F("IPN_DATE"), F("SIGNATURE_SHA2_256")]));
        Assert.NotNull(order.Problem([F("IPN_PID[]"), F("IPN_PNAME[]"), F("IPN_PID[]")]));
        Assert.NotNull(order.Problem([F("IPN_PID[]"), F("IPN_PID[]"), F("IPN_PNAME[]")]));
        Assert.NotNull(order.Problem([F("REFNO"), F("REFNO")]));
        Assert.NotNull(order.Problem([F("IPN_DATE"), F("REFNO")]));
        Assert.NotNull(order.Problem([F("REFNO"), F("SIGNATURE_SHA2_256"), F("SIGNATURE_SHA2_256")]));
    }

    private static Func<string, List<KeyValuePair<string, string>>> AddedField() => orderNumber =>
    {
        var fields = AvangateShop.Ipn(orderNumber, "100000031", "COMPLETE", "49.00");
        fields.Insert(fields.FindIndex(f => f.Key == "IPN_TOTALGENERAL") + 1, new("IPN_LOYALTY_POINTS", "12"));
        return fields;
    };
}
