using System.Net;
using System.Text;
using System.Text.Json;
using Orders.Sandbox;
using Orders.Tests.Infrastructure;
using static Orders.Tests.Stripe.StripeEventsFactory;

namespace Orders.Tests.Stripe;

public sealed class StripeWebhookTests : ServiceTest
{
    private readonly StripeShop stripe;

    public StripeWebhookTests() => stripe = new StripeShop(app, shop);

    [Fact]
    public void SignaturesAreStripesHmacOverTimestampDotBody()
    {
        // PROVIDERS.md 3.2's vector, and Stripe.net computing the same.
        var body = Encoding.UTF8.GetBytes("{\"id\":\"evt_test\",\"object\":\"event\"}");
        const string expected = "8042376f6ca064adbe037642a718227dfd59047137eb49497a54c49eb0cfb724";
        Assert.Equal(expected, StripeWebhookSigner.Signature("whsec_test_secret", 1700000000, body));
        Assert.Equal(expected, global::Stripe.EventUtility.ComputeSignature("whsec_test_secret", "1700000000", Encoding.UTF8.GetString(body)));
        Assert.Equal($"t=1700000000,v1={expected}", StripeWebhookSigner.Header(body, 1700000000, "whsec_test_secret"));
    }

    [Fact]
    public void SandboxEventsSpeakTheApiVersionOfTheServicesStripeNet() =>
        Assert.Equal(StripeSandboxOptions.DefaultApiVersion, global::Stripe.StripeConfiguration.ApiVersion);

    [Fact]
    public async Task SignedCompletedSessionPaysTheOrder()
    {
        var checkout = await stripe.CheckoutAsync();
        using var response = await stripe.PostSignedWebhookAsync(Event("checkout.session.completed", Session(StripeShop.SessionId(checkout), checkout.OrderNumber, 4900)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var order = await shop.WaitForStatusAsync(checkout, "paid");
        Assert.Equal("active", Assert.Single(order!.Licenses).Status);
    }

    [Fact]
    public async Task WebhookSignedWithAnotherSecretIsRejectedAndStoresNothing()
    {
        var checkout = await stripe.CheckoutAsync();
        var body = StripeShop.Bytes(Event("checkout.session.completed", Session(StripeShop.SessionId(checkout), checkout.OrderNumber, 4900)));

        using var response = await stripe.PostWebhookAsync(body, StripeWebhookSigner.Header(body, stripe.Now, "whsec_someone_else"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await AssertNothingStoredAsync(checkout);
    }

    [Fact]
    public async Task SignatureOutsideTheFiveMinuteToleranceIsRejected()
    {
        var checkout = await stripe.CheckoutAsync();
        var body = StripeShop.Bytes(Event("checkout.session.completed", Session(StripeShop.SessionId(checkout), checkout.OrderNumber, 4900)));

        foreach (var skew in new[] { -301, 301 })
        {
            using var response = await stripe.PostWebhookAsync(body, StripeWebhookSigner.Header(body, stripe.Now + skew, stripe.Secret));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        await AssertNothingStoredAsync(checkout);

        // Inside the tolerance (by the service's clock) the same body and secret are accepted.
        using (var fresh = await stripe.PostWebhookAsync(body, StripeWebhookSigner.Header(body, stripe.Now - 250, stripe.Secret)))
        {
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        }
    }

    [Fact]
    public async Task AnyOfSeveralV1SignaturesIsAcceptedWhileTheSecretRolls()
    {
        var checkout = await stripe.CheckoutAsync();
        var body = StripeShop.Bytes(Event("checkout.session.completed", Session(StripeShop.SessionId(checkout), checkout.OrderNumber, 4900)));
        var now = stripe.Now;

        // Stripe signs with the new and the old secret during a roll; only one of them is ours.
        var rolling = StripeWebhookSigner.Header(body, now, "whsec_the_new_one", stripe.Secret);
        Assert.Equal(3, rolling.Split(',').Length);
        using (var response = await stripe.PostWebhookAsync(body, rolling + ",v0=" + new string('0', 64)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await shop.WaitForStatusAsync(checkout, "paid");

        // Another scheme's signature (v0) is never taken instead of v1.
        var other = await stripe.CheckoutAsync(email: "bo@example.com");
        var otherBody = StripeShop.Bytes(Event("checkout.session.completed", Session(StripeShop.SessionId(other), other.OrderNumber, 4900)));
        var v1 = StripeWebhookSigner.Signature(stripe.Secret, now, otherBody);
        using (var response = await stripe.PostWebhookAsync(otherBody, $"t={now},v0={v1}"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task TamperedBodyIsRejectedAndStoresNothing()
    {
        var checkout = await stripe.CheckoutAsync();
        var body = StripeShop.Bytes(Event("checkout.session.completed", Session(StripeShop.SessionId(checkout), checkout.OrderNumber, 4900)));
        var signature = StripeWebhookSigner.Header(body, stripe.Now, stripe.Secret);
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("4900", "4901", StringComparison.Ordinal));
        Assert.NotEqual(body, tampered);

        using var response = await stripe.PostWebhookAsync(tampered, signature);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await AssertNothingStoredAsync(checkout);
    }

    [Fact]
    public async Task MissingSignatureOrUnreadableBodyGets400()
    {
        var checkout = await stripe.CheckoutAsync();
        var body = StripeShop.Bytes(Event("checkout.session.completed", Session(StripeShop.SessionId(checkout), checkout.OrderNumber, 4900)));
        using (var unsigned = await stripe.PostWebhookAsync(body, signature: null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unsigned.StatusCode);
        }

        foreach (var broken in new[] { "{\"id\": \"evt_1\", ", "[1, 2]", "{\"id\":\"evt_1\",\"object\":\"event\",\"created\":\"yesterday\"}" })
        {
            using var response = await stripe.PostSignedWebhookAsync(Encoding.UTF8.GetBytes(broken));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        byte[] notUtf8 = [0x7b, 0xff, 0xfe, 0x7d];
        using (var response = await stripe.PostSignedWebhookAsync(notUtf8))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        await AssertNothingStoredAsync(checkout);
    }

    [Fact]
    public async Task EventOfAnotherApiReleaseTrainIsRefusedAndNotStored()
    {
        var checkout = await stripe.CheckoutAsync();
        var session = Session(StripeShop.SessionId(checkout), checkout.OrderNumber, 4900);

        using (var response = await stripe.PostSignedWebhookAsync(Event("checkout.session.completed", session.DeepClone().AsObject(), apiVersion: "2025-03-31.basil")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.ReadAsync<JsonElement>();
            Assert.Contains(global::Stripe.StripeConfiguration.ApiVersion, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using (var response = await stripe.PostSignedWebhookAsync(Event("checkout.session.completed", session.DeepClone().AsObject(), apiVersion: "2024-06-20")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        await AssertNothingStoredAsync(checkout);
        Assert.Contains(app.Logs.Lines, l => l.Contains("API version 2025-03-31.basil", StringComparison.Ordinal));

        // A later version of the same release train reads the same objects.
        var train = global::Stripe.StripeConfiguration.ApiVersion.Split('.')[1];
        using (var response = await stripe.PostSignedWebhookAsync(Event("checkout.session.completed", session, apiVersion: $"2099-01-01.{train}")))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await shop.WaitForStatusAsync(checkout, "paid");
    }

    [Fact]
    public async Task SameEventDeliveredThreeTimesConcurrentlyIssuesOneLicense()
    {
        var checkout = await stripe.CheckoutAsync();
        var body = StripeShop.Bytes(Event("checkout.session.completed", Session(StripeShop.SessionId(checkout), checkout.OrderNumber, 4900)));

        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => stripe.PostSignedWebhookAsync(body)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        // The same payment reported again under another event id is still the same payment.
        using (var again = await stripe.PostSignedWebhookAsync(Event("checkout.session.async_payment_succeeded", Session(StripeShop.SessionId(checkout), checkout.OrderNumber, 4900))))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        var order = await shop.WaitForStatusAsync(checkout, "paid");
        await shop.WaitForMailsAsync(checkout.OrderNumber);
        await app.WaitUntilIdleAsync();
        Assert.Single(order!.Licenses);
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM licenses"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries"));
        Assert.Single(await shop.WaitForMailsAsync(checkout.OrderNumber));
    }

    [Fact]
    public async Task PaymentOfAnotherAmountCurrencyOrProductGoesToReview()
    {
        var cheaper = await stripe.CheckoutAsync();
        (await stripe.PostSignedWebhookAsync(Event("checkout.session.completed", Session(StripeShop.SessionId(cheaper), cheaper.OrderNumber, 100)))).Dispose();
        Assert.Empty((await shop.WaitForStatusAsync(cheaper, "review"))!.Licenses);

        var euros = await stripe.CheckoutAsync(email: "bo@example.com");
        (await stripe.PostSignedWebhookAsync(Event("checkout.session.completed", Session(StripeShop.SessionId(euros), euros.OrderNumber, 4900, currency: "eur")))).Dispose();
        Assert.Empty((await shop.WaitForStatusAsync(euros, "review"))!.Licenses);

        var other = await stripe.CheckoutAsync(email: "cy@example.com");
        (await stripe.PostSignedWebhookAsync(Event("checkout.session.completed", Session(StripeShop.SessionId(other), other.OrderNumber, 4900, sku: "TEXTMERGE")))).Dispose();
        Assert.Empty((await shop.WaitForStatusAsync(other, "review"))!.Licenses);
    }

    [Fact]
    public async Task CompletedButUnpaidSessionWaitsForTheDelayedPayment()
    {
        var checkout = await stripe.CheckoutAsync();
        var sessionId = StripeShop.SessionId(checkout);
        (await stripe.PostSignedWebhookAsync(Event("checkout.session.completed", Session(sessionId, checkout.OrderNumber, 4900, paymentStatus: "unpaid")))).Dispose();
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Pending' AND processed_at IS NOT NULL"), n => n == 1);
        Assert.Equal("pending", (await shop.OrderAsync(checkout))!.Status);

        (await stripe.PostSignedWebhookAsync(Event("checkout.session.async_payment_failed", Session(sessionId, checkout.OrderNumber, 4900, paymentStatus: "unpaid")))).Dispose();
        Assert.Empty((await shop.WaitForStatusAsync(checkout, "failed"))!.Licenses);
    }

    [Fact]
    public async Task OversizedWebhookGets413()
    {
        var body = new byte[300 * 1024];
        Array.Fill(body, (byte)' ');
        using var response = await stripe.PostSignedWebhookAsync(body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task EventTypesTheServiceDoesNotUseAreAcknowledgedAndChangeNothing()
    {
        var checkout = await stripe.CheckoutAsync();
        using var response = await stripe.PostSignedWebhookAsync(Event("customer.created", new System.Text.Json.Nodes.JsonObject { ["id"] = "cus_1", ["object"] = "customer" }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Ignored' AND processed_at IS NOT NULL"), n => n == 1);
        Assert.Equal("pending", (await shop.OrderAsync(checkout))!.Status);
    }

    private async Task AssertNothingStoredAsync(CheckoutDto checkout)
    {
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox"));
        Assert.Equal("pending", (await shop.OrderAsync(checkout))!.Status);
    }
}
