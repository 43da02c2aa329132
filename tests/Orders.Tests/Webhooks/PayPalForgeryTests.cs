using System.IO.Hashing;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Webhooks;

// PayPal signs transmission id, time, webhook id and a CRC-32 of the body. CRC-32 is linear: four
// chosen bytes give any body any CRC. These tests forge for real: they take a genuinely signed
// delivery (the sandbox's key, as PayPal's), write a body of their choosing, patch four bytes so it
// has the genuine body's CRC, and send it with the genuine headers. The signature holds; PayPal's API,
// asked before anything changes, does not confirm what the body claims.
public sealed class PayPalForgeryTests : ServiceTest
{
    [Fact]
    public async Task ACompletedCaptureForgedOntoAGenuineSignatureLeavesAnUnpaidOrderPending()
    {
        var paid = await PaidOrderAsync();
        var unpaid = await shop.CheckoutAsync(licenseeName: "Mallory");
        var (genuineBody, genuineHeaders) = GenuineDelivery(paid);

        var forged = Crc32Forgery.WithCrcOf(genuineBody, suffix => Fill("""
            {"id":"WH-FORGED{0}","event_type":"PAYMENT.CAPTURE.COMPLETED","resource_type":"capture","resource":{"id":"FORGEDCAPTURE01","status":"COMPLETED","amount":{"currency_code":"USD","value":"49.00"},"custom_id":"{1}","supplementary_data":{"related_ids":{"order_id":"{2}"}}},"x":"SUFFIX"}
            """, suffix, ("{0}", Guid.NewGuid().ToString("N")), ("{1}", unpaid.OrderNumber), ("{2}", unpaid.PayPalOrderId)));
        Assert.Equal(Crc32.HashToUInt32(genuineBody), Crc32.HashToUInt32(forged));

        using var response = await shop.PostWebhookAsync(forged, genuineHeaders);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // the signature holds: it is a notification

        await AllProcessedAsync();
        var order = await shop.OrderAsync(unpaid);
        Assert.Equal("pending", order!.Status);
        Assert.Empty(order.Licenses);
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM licenses"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Notified' AND outcome LIKE 'not confirmed%'"));
    }

    [Fact]
    public async Task AReversalForgedOntoAGenuineSignatureLeavesAPaidOrderPaid()
    {
        var victim = await PaidOrderAsync();
        var captureId = await shop.CaptureIdAtPayPalAsync(victim);
        var other = await PaidOrderAsync();
        var (genuineBody, genuineHeaders) = GenuineDelivery(other);

        var forged = Crc32Forgery.WithCrcOf(genuineBody, suffix => Fill("""
            {"id":"WH-FORGED{0}","event_type":"PAYMENT.CAPTURE.REVERSED","resource_type":"refund","resource":{"id":"FORGEDREFUND01","status":"COMPLETED","amount":{"currency_code":"USD","value":"49.00"},"custom_id":"{1}","links":[{"rel":"up","method":"GET","href":"https://api-m.paypal.com/v2/payments/captures/{2}"}]},"x":"SUFFIX"}
            """, suffix, ("{0}", Guid.NewGuid().ToString("N")), ("{1}", victim.OrderNumber), ("{2}", captureId)));
        Assert.Equal(Crc32.HashToUInt32(genuineBody), Crc32.HashToUInt32(forged));

        using var response = await shop.PostWebhookAsync(forged, genuineHeaders);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await AllProcessedAsync();
        var order = await shop.OrderAsync(victim);
        Assert.Equal("paid", order!.Status);
        Assert.Equal("active", Assert.Single(order.Licenses).Status);
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind IN ('Reversed', 'Refunded')"));
    }

    [Fact]
    public async Task ATransmissionIdIsAcceptedWithOneBodyOnly()
    {
        var paid = await PaidOrderAsync();
        var unpaid = await shop.CheckoutAsync(licenseeName: "Mallory");
        var (genuineBody, genuineHeaders) = GenuineDelivery(paid);
        var forged = Crc32Forgery.WithCrcOf(genuineBody, suffix => Fill("""
            {"id":"WH-FORGED{0}","event_type":"CHECKOUT.ORDER.APPROVED","resource_type":"checkout-order","resource":{"id":"{1}"},"x":"SUFFIX"}
            """, suffix, ("{0}", Guid.NewGuid().ToString("N")), ("{1}", unpaid.PayPalOrderId)));

        using var genuine = await shop.PostWebhookAsync(genuineBody, genuineHeaders);
        using var again = await shop.PostWebhookAsync(genuineBody, genuineHeaders);
        var stored = await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Notified'");
        using var forgedResponse = await shop.PostWebhookAsync(forged, genuineHeaders);

        Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forgedResponse.StatusCode);
        Assert.Equal(stored, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Notified'"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM webhook_transmissions WHERE transmission_id = @t", new { t = genuineHeaders["PAYPAL-TRANSMISSION-ID"] }));
        await AllProcessedAsync();
        Assert.Equal("pending", (await shop.OrderAsync(unpaid))!.Status);
    }

    [Fact]
    public async Task ANotificationWaitsForPayPalWhenItsApiCannotBeReachedAndThenApplies()
    {
        var checkout = await shop.CheckoutAsync();
        await shop.SetPayPalSandboxAsync(new { dropWebhooks = true });
        await shop.ApproveAsync(checkout);
        var captureId = await shop.CaptureAtPayPalAsync(checkout);
        await shop.SetPayPalSandboxAsync(new { dropWebhooks = true, failApiCalls = true });

        using var response = await shop.PostSignedWebhookAsync(PayPalEventsFactory.CaptureEvent("PAYMENT.CAPTURE.COMPLETED", checkout.OrderNumber, checkout.PayPalOrderId, captureId, "49.00"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Notified' AND processed_at IS NULL AND last_error IS NOT NULL"), n => n == 1);
        Assert.Equal("pending", (await shop.OrderAsync(checkout))!.Status);

        await shop.SetPayPalSandboxAsync(new { dropWebhooks = true, failApiCalls = false });
        var inboxId = await shop.CountAsync("SELECT id FROM webhook_inbox WHERE kind = 'Notified'");
        using (var scope = app.Services.CreateScope())
        {
            // What Hangfire's retry (or the recovery sweep) runs once PayPal answers again.
            await scope.ServiceProvider.GetRequiredService<Orders.Api.PaymentEvents.ProcessInboxEventJob>().RunAsync(inboxId, CancellationToken.None);
        }

        var order = await shop.WaitForStatusAsync(checkout, "paid");
        Assert.Single(order!.Licenses);
    }

    [Fact]
    public async Task ADeliveryOlderThanTheTransmissionWindowIsRefused()
    {
        var checkout = await PaidOrderAsync();
        var (body, headers) = GenuineDelivery(checkout);
        app.Clock.Advance(TimeSpan.FromMinutes(16));

        using var response = await shop.PostWebhookAsync(body, headers);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task<CheckoutDto> PaidOrderAsync()
    {
        var checkout = await shop.CheckoutAsync();
        var returnUrl = await shop.ApproveAsync(checkout);
        (await shop.Http.GetAsync(returnUrl.PathAndQuery)).Dispose();
        await shop.WaitForStatusAsync(checkout, "paid");
        await AllProcessedAsync();
        return checkout;
    }

    // A delivery as PayPal signs it (a capture of a paid order), not yet received by the service:
    // what an attacker who intercepted or kept one holds.
    private (byte[] Body, IReadOnlyDictionary<string, string> Headers) GenuineDelivery(CheckoutDto paidOrder)
    {
        var body = Encoding.UTF8.GetBytes(PayPalEventsFactory.CaptureEvent("PAYMENT.CAPTURE.COMPLETED", paidOrder.OrderNumber, paidOrder.PayPalOrderId, "GENUINE" + Guid.NewGuid().ToString("N")[..8], "49.00").ToJsonString());
        return (body, shop.Sign(body));
    }

    private Task<long> AllProcessedAsync() =>
        Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NULL"), n => n == 0);

    // The forged event's JSON: {0}, {1}… replaced by the values, SUFFIX by the CRC patch's place.
    private static string Fill(string template, string suffix, params (string Name, string Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            template = template.Replace(name, value, StringComparison.Ordinal);
        }

        return template.Replace("SUFFIX", suffix, StringComparison.Ordinal);
    }
}

// Makes a body of one's choosing with a given body's CRC-32 by choosing four bytes in it.
internal static class Crc32Forgery
{
    private static readonly uint[] Table = BuildTable();

    // json(suffix) must contain the marker "####" (four placeholder characters) once, in a JSON
    // string; the suffix is varied until the four bytes that fix the CRC are plain JSON string characters.
    public static byte[] WithCrcOf(byte[] genuine, Func<string, string> json)
    {
        var target = Crc32.HashToUInt32(genuine);
        for (var attempt = 0; attempt < 100_000; attempt++)
        {
            var text = Encoding.UTF8.GetBytes(json("####" + attempt.ToString(System.Globalization.CultureInfo.InvariantCulture)).Trim());
            var offset = text.AsSpan().IndexOf("####"u8);
            var patch = Patch(text.AsSpan(0, offset), text.AsSpan(offset + 4), target);
            if (patch.All(b => b is >= 0x20 and < 0x7F and not (byte)'"' and not (byte)'\\'))
            {
                patch.CopyTo(text, offset);
                return text;
            }
        }

        throw new InvalidOperationException("No printable patch found.");
    }

    // The four bytes that, between prefix and suffix, make the whole have the target CRC.
    private static byte[] Patch(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> suffix, uint target)
    {
        var before = Forward(0xFFFFFFFF, prefix);
        var after = Backward(target ^ 0xFFFFFFFF, suffix);
        // after = T[i3] ^ T[i2] >> 8 ^ T[i1] >> 16 ^ T[i0] >> 24: each table index is found by its top byte.
        var i3 = IndexOfTop(after >> 24);
        var rest = after ^ Table[i3];
        var i2 = IndexOfTop((rest >> 16) & 0xFF);
        rest ^= Table[i2] >> 8;
        var i1 = IndexOfTop((rest >> 8) & 0xFF);
        rest ^= Table[i1] >> 16;
        var i0 = IndexOfTop(rest & 0xFF);
        var patch = new byte[4];
        var state = before;
        int[] indexes = [i0, i1, i2, i3];
        for (var k = 0; k < 4; k++)
        {
            patch[k] = (byte)((state ^ (uint)indexes[k]) & 0xFF);
            state = Table[indexes[k]] ^ (state >> 8);
        }

        return patch;
    }

    private static uint Forward(uint state, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            state = Table[(state ^ b) & 0xFF] ^ (state >> 8);
        }

        return state;
    }

    private static uint Backward(uint state, ReadOnlySpan<byte> data)
    {
        for (var i = data.Length - 1; i >= 0; i--)
        {
            var index = IndexOfTop(state >> 24);
            state = ((state ^ Table[index]) << 8) | (uint)(index ^ data[i]);
        }

        return state;
    }

    private static int IndexOfTop(uint topByte) => Array.FindIndex(Table, t => t >> 24 == topByte);

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
