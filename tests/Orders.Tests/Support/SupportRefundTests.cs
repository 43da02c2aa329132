using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orders.Api.Support;
using Orders.Tests.Avangate;
using Orders.Tests.Infrastructure;
using Orders.Tests.Stripe;

namespace Orders.Tests.Support;

public sealed class SupportRefundTests : ServiceTest
{
    [Fact]
    public async Task APartialPayPalRefundKeepsTheOrderPaidAndASecondOneRefundsUpToTheRest()
    {
        var order = await shop.PaidOrderAsync(app);
        using var admin = await SupportSession.AdminAsync(app);

        var confirm = await admin.PageAsync($"/support/orders/{order.OrderNumber}/refund");
        Assert.Contains("name=\"amount\"", confirm, StringComparison.Ordinal);
        Assert.Contains("value=\"49.00\"", confirm, StringComparison.Ordinal);

        using (var first = await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/refund", new { amount = "10.00", reason = "one seat less" }))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            var body = await first.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(1000, body.GetProperty("amountMinor").GetInt64());
            Assert.Equal("paid", body.GetProperty("orderStatus").GetString());
            Assert.True(body.GetProperty("completed").GetBoolean());
        }

        var view = await admin.OrderAsync(order.OrderNumber);
        Assert.Equal("paid", view.GetProperty("status").GetString());
        Assert.Equal(1000, view.GetProperty("refundedMinor").GetInt64());
        Assert.Equal("active", view.GetProperty("licenses")[0].GetProperty("status").GetString());
        Assert.True(view.GetProperty("actions").GetProperty("canRefund").GetBoolean());
        Assert.Contains("value=\"39.00\"", await admin.PageAsync($"/support/orders/{order.OrderNumber}/refund"), StringComparison.Ordinal);

        // More than the rest is refused before PayPal is asked.
        using (var tooMuch = await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/refund", new { amount = "39.01" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooMuch.StatusCode);
            var errors = (await tooMuch.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("amount")[0].GetString();
            Assert.Equal("At most 39.00 USD is left to refund.", errors);
        }

        // The second part, through the page's form: the rest, and the order is refunded.
        using (var second = await admin.PostFormAsync($"/support/orders/{order.OrderNumber}/refund", $"/support/orders/{order.OrderNumber}/refund",
            new() { ["amount"] = "39.00", ["reason"] = "the rest" }))
        {
            Assert.Equal(HttpStatusCode.SeeOther, second.StatusCode);
            Assert.EndsWith("notice=refunded", second.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        var after = await admin.OrderAsync(order.OrderNumber);
        Assert.Equal("refunded", after.GetProperty("status").GetString());
        Assert.Equal(4900, after.GetProperty("refundedMinor").GetInt64());
        var audits = await admin.AuditAsync(orderNumber: order.OrderNumber, action: AuditActions.Refund);
        Assert.Contains(audits, a => a.GetProperty("detail").GetString()!.StartsWith("10.00 USD of 49.00 USD left refunded at PayPal", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("0", "The amount must be more than zero.")]
    [InlineData("-5.00", "The amount must be more than zero.")]
    [InlineData("10.001", "Give an amount in USD with at most 2 decimal places, e.g. 49.00.")]
    [InlineData("ten", "Give an amount in USD with at most 2 decimal places, e.g. 49.00.")]
    [InlineData("49.01", "At most 49.00 USD is left to refund.")]
    public async Task ARefundAmountMustBePositiveAtMostTheRestAndInTheCurrencysMinorUnits(string amount, string problem)
    {
        var order = await shop.PaidOrderAsync(app);
        using var admin = await SupportSession.AdminAsync(app);

        using var response = await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/refund", new { amount });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(problem, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("amount")[0].GetString());
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Refunded'"));
    }

    [Fact]
    public async Task APartialStripeRefundKeepsTheOrderPaidAndTheRestRefundable()
    {
        var stripe = new StripeShop(app, shop);
        var checkout = await stripe.CheckoutAsync(quantity: 2);
        await stripe.PayAsync(checkout);
        await shop.WaitForStatusAsync(checkout, "paid");
        using var admin = await SupportSession.AdminAsync(app);

        using (var first = await admin.PostJsonAsync($"/api/support/orders/{checkout.OrderNumber}/refund", new { amount = "20.50" }))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal(2050, (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("amountMinor").GetInt64());
        }

        await Eventually.GetAsync(() => admin.OrderAsync(checkout.OrderNumber), o => o.GetProperty("refundedMinor").GetInt64() == 2050, what: "the partial refund recorded");
        var view = await admin.OrderAsync(checkout.OrderNumber);
        Assert.Equal("paid", view.GetProperty("status").GetString());
        Assert.Contains("value=\"77.50\"", await admin.PageAsync($"/support/orders/{checkout.OrderNumber}/refund"), StringComparison.Ordinal);

        using (var rest = await admin.PostJsonAsync($"/api/support/orders/{checkout.OrderNumber}/refund", new { amount = "77.50" }))
        {
            Assert.Equal(HttpStatusCode.OK, rest.StatusCode);
        }

        await Eventually.GetAsync(() => admin.OrderAsync(checkout.OrderNumber), o => o.GetProperty("status").GetString() == "refunded", what: "the order refunded");
    }

    [Fact]
    public async Task AResellerOrderHasNoRefundButtonButSaysWhereToRefundAndTheApiRefuses()
    {
        var avangate = new AvangateShop(app, shop);
        var checkout = await avangate.CheckoutAsync();
        await avangate.PayAsync(checkout);
        await shop.WaitForStatusAsync(checkout, "paid");
        using var admin = await SupportSession.AdminAsync(app);

        var page = await admin.PageAsync($"/support/orders/{checkout.OrderNumber}");
        Assert.DoesNotContain("/refund\"", page, StringComparison.Ordinal);
        Assert.Contains(SupportOrders.ResellerRefundNote, System.Net.WebUtility.HtmlDecode(page), StringComparison.Ordinal);
        Assert.Contains("2Checkout (Avangate) is the merchant of record", SupportOrders.ResellerRefundNote, StringComparison.Ordinal);
        Assert.Contains("2Checkout (Avangate)", page, StringComparison.Ordinal);
        Assert.DoesNotContain(">Avangate<", page, StringComparison.Ordinal);

        var view = await admin.OrderAsync(checkout.OrderNumber);
        Assert.False(view.GetProperty("actions").GetProperty("canRefund").GetBoolean());

        using var response = await admin.PostJsonAsync($"/api/support/orders/{checkout.OrderNumber}/refund", new { });
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(SupportOrders.ResellerRefundNote, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal("paid", (await admin.OrderAsync(checkout.OrderNumber)).GetProperty("status").GetString());
    }
}
