using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Orders.Api.PaymentEvents;
using Orders.Api.Payments;
using Orders.Api.Payments.Stripe;
using Orders.Licensing;
using Orders.Tests.Infrastructure;
using StripeNet = global::Stripe;

namespace Orders.Tests.Stripe;

// The whole path through HTTP: our checkout → Stripe.net → the sandbox's Checkout Session → the
// hosted page → signed webhooks → the state machine → license and e-mail; then refunds and disputes.
public sealed partial class StripePurchaseTests : ServiceTest
{
    private readonly StripeShop stripe;

    public StripePurchaseTests() => stripe = new StripeShop(app, shop);

    [Fact]
    public async Task PayingOnTheHostedPagePaysTheOrderAndMailsAVerifiableLicense()
    {
        var checkout = await stripe.CheckoutAsync(quantity: 2, email: "ada@example.com", licenseeName: "Ada Lovelace");
        var sessionId = StripeShop.SessionId(checkout);

        // The session as Stripe.net reads it back from the sandbox: everything the adapter asked for.
        var session = await SessionAsync(sessionId);
        Assert.Equal("payment", session.Mode);
        Assert.Equal("open", session.Status);
        Assert.Equal(checkout.OrderNumber, session.ClientReferenceId);
        Assert.Equal(checkout.OrderNumber, session.Metadata["order_number"]);
        Assert.Equal("PHOTOSHRINK-PRO", session.Metadata["sku"]);
        Assert.Equal("ada@example.com", session.CustomerEmail);
        Assert.Equal(9800, session.AmountTotal);
        Assert.Equal("usd", session.Currency);
        var statusUrl = new Uri(app.ServerAddress, checkout.StatusUrl).AbsoluteUri;
        Assert.Equal(statusUrl, session.SuccessUrl);
        Assert.Equal(new Uri(app.ServerAddress, $"/checkout/stripe/cancel?order={checkout.OrderNumber}&st={Uri.EscapeDataString(checkout.Token)}").AbsoluteUri, session.CancelUrl);
        Assert.InRange(session.ExpiresAt, app.Clock.GetUtcNow().UtcDateTime.AddMinutes(119), app.Clock.GetUtcNow().UtcDateTime.AddMinutes(121));

        // The hosted page: the order's lines, and exactly two buttons.
        using (var page = await shop.Http.GetAsync(new Uri(checkout.RedirectUrl).PathAndQuery))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Equal(["Pay", "Cancel"], Button().Matches(html).Select(m => m.Groups[1].Value));
            Assert.Contains("PhotoShrink Pro", html, StringComparison.Ordinal);
            Assert.Contains("98.00 USD", html, StringComparison.Ordinal);
        }

        using (var paid = await shop.Http.PostAsync($"/sandbox/stripe/c/pay/{sessionId}/pay", null))
        {
            Assert.Equal(HttpStatusCode.SeeOther, paid.StatusCode);
            Assert.Equal(statusUrl, paid.Headers.Location!.AbsoluteUri);
        }

        var order = await shop.WaitForStatusAsync(checkout, "paid");
        var license = Assert.Single(order!.Licenses);
        Assert.Equal(2, license.Seats);
        Assert.Equal(9800, order.TotalMinor);
        var publicKey = (await shop.Http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/licenses/public-key")).GetProperty("publicKeyPem").GetString()!;
        var verified = LicenseVerifier.Verify(license.Key, publicKey);
        Assert.True(verified.IsValid, verified.Message);
        Assert.Equal(checkout.OrderNumber, verified.License!.OrderNumber);

        var mail = await MimeMessage.LoadAsync(Assert.Single(await shop.WaitForMailsAsync(checkout.OrderNumber)));
        Assert.Equal("ada@example.com", Assert.Single(mail.To.Mailboxes).Address);
        Assert.Contains(license.Key, mail.TextBody, StringComparison.Ordinal);

        // Stripe's references are kept: the session and its PaymentIntent.
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM orders WHERE provider = 'stripe' AND provider_order_ref = @sessionId AND provider_transaction_ref LIKE 'pi_%'", new { sessionId }));
        Assert.Equal(1, await stripe.DeliveredAsync("checkout.session.completed"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries"));
    }

    [Fact]
    public async Task DuplicateDeliveriesOfTheSandboxsWebhookIssueOneLicense()
    {
        await stripe.SettingsAsync(new { duplicateDeliveries = 2 });
        var checkout = await stripe.CheckoutAsync();
        await stripe.PayAsync(checkout);

        await shop.WaitForStatusAsync(checkout, "paid");
        await shop.WaitForMailsAsync(checkout.OrderNumber);
        await Eventually.GetAsync(() => stripe.DeliveredAsync("checkout.session.completed"), n => n == 3, what: "all three copies delivered");

        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM licenses"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries"));
    }

    [Fact]
    public async Task WebhookRefusedByTheServiceIsRetriedUntilItIsTaken()
    {
        // The endpoint's secret at "Stripe" is not the service's for a while (a botched roll).
        await using var rolled = new OrdersApp(settings: new() { ["Sandbox:Stripe:WebhookSecret"] = "whsec_not_yet", ["Stripe:WebhookSecret"] = StripeShop.SandboxWebhookSecret });
        var rolledShop = new Shop(rolled);
        var rolledStripe = new StripeShop(rolled, rolledShop);
        var checkout = await rolledStripe.CheckoutAsync();
        await rolledStripe.PayAsync(checkout);
        var deliveries = await Eventually.GetAsync(() => rolledStripe.DeliveriesAsync("checkout.session.completed"),
            d => d.Length == 1 && d[0].GetProperty("attempts").GetInt32() >= 2, what: "a retried delivery");
        Assert.Equal(401, deliveries[0].GetProperty("lastStatusCode").GetInt32());
        Assert.Equal("pending", (await rolledShop.OrderAsync(checkout))!.Status);
    }

    [Fact]
    public async Task SecretRollSignsWithBothSecretsAndTheServiceTakesIt()
    {
        await using var rolling = new OrdersApp(settings: new()
        {
            ["Sandbox:Stripe:WebhookSecret"] = "whsec_the_new_one",
            ["Sandbox:Stripe:PreviousWebhookSecret"] = StripeShop.SandboxWebhookSecret,
            ["Stripe:WebhookSecret"] = StripeShop.SandboxWebhookSecret,
        });
        var rollingShop = new Shop(rolling);
        var rollingStripe = new StripeShop(rolling, rollingShop);
        var checkout = await rollingStripe.CheckoutAsync();
        await rollingStripe.PayAsync(checkout);
        await rollingShop.WaitForStatusAsync(checkout, "paid");
    }

    [Fact]
    public async Task ASessionThatStripeExpiresExpiresTheOrder()
    {
        var checkout = await stripe.CheckoutAsync();

        using (var expire = await stripe.ControlAsync(checkout, "expire"))
        {
            Assert.Equal(HttpStatusCode.OK, expire.StatusCode);
        }

        var order = await shop.WaitForStatusAsync(checkout, "expired");
        Assert.Empty(order!.Licenses);

        // The page is gone and the session can no longer be paid.
        using (var page = await shop.Http.GetAsync(new Uri(checkout.RedirectUrl).PathAndQuery))
        {
            Assert.Equal(HttpStatusCode.Gone, page.StatusCode);
        }

        using (var pay = await stripe.ControlAsync(checkout, "pay"))
        {
            Assert.Equal(HttpStatusCode.Conflict, pay.StatusCode);
        }
    }

    [Fact]
    public async Task FullRefundAtStripeRevokesTheLicense()
    {
        var checkout = await PaidAsync();
        (await stripe.ControlAsync(checkout, "refund")).Dispose();

        var refunded = await shop.WaitForStatusAsync(checkout, "refunded");
        Assert.Equal("revoked", Assert.Single(refunded!.Licenses).Status);
    }

    [Fact]
    public async Task PartialRefundKeepsTheLicenseAndTheRestCompletesIt()
    {
        var checkout = await PaidAsync(); // 49.00 USD
        using (var partial = await stripe.ControlAsync(checkout, "refund?amount=2000"))
        {
            Assert.Equal(HttpStatusCode.OK, partial.StatusCode);
        }

        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Refunded' AND processed_at IS NOT NULL"), n => n == 1, what: "the partial refund");
        var order = await shop.OrderAsync(checkout);
        Assert.Equal("paid", order!.Status);
        Assert.Equal("active", order.Licenses[0].Status);
        Assert.Contains(await stripe.OutcomesAsync(checkout), o => o.Contains("partial refund: 20.00 USD of 49.00 USD; license kept", StringComparison.Ordinal));

        // The second charge.refunded lists both refunds: the first is recognised, the second completes it.
        (await stripe.ControlAsync(checkout, "refund")).Dispose();
        var refunded = await shop.WaitForStatusAsync(checkout, "refunded");
        Assert.Equal("revoked", refunded!.Licenses[0].Status);
        Assert.Equal(2, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Refunded'"));
    }

    [Fact]
    public async Task RefundWeAskForAndStripesRefundWebhookAreOneRefund()
    {
        var checkout = await PaidAsync();
        var paymentIntent = await stripe.PaymentIntentAsync(checkout);

        using (var scope = app.Services.CreateScope())
        {
            var provider = scope.ServiceProvider.GetRequiredService<StripeProvider>();
            var outcome = await provider.RefundAsync(new RefundRequest(checkout.OrderNumber, StripeShop.SessionId(checkout), paymentIntent, 4900, "USD", $"refund-{checkout.OrderNumber}"), CancellationToken.None);
            Assert.Null(outcome.NotPossibleReason);
            Assert.Equal(PaymentEventKind.Refunded, outcome.Refund!.Kind);
            Assert.StartsWith("refund:re_", outcome.Refund.EventId, StringComparison.Ordinal);
            var stored = await scope.ServiceProvider.GetRequiredService<PaymentEventStore>().StoreAsync(outcome.Refund, CancellationToken.None);
            await scope.ServiceProvider.GetRequiredService<PaymentEventApplier>().ApplyAsync(stored.InboxId, CancellationToken.None);

            // Asking again with the same key replays Stripe's answer: the same refund, nothing new.
            var again = await provider.RefundAsync(new RefundRequest(checkout.OrderNumber, StripeShop.SessionId(checkout), paymentIntent, 4900, "USD", $"refund-{checkout.OrderNumber}"), CancellationToken.None);
            Assert.Equal(outcome.Refund.EventId, again.Refund!.EventId);

            // A new refund of a refunded charge is Stripe's to refuse, and said so.
            var more = await provider.RefundAsync(new RefundRequest(checkout.OrderNumber, StripeShop.SessionId(checkout), paymentIntent, 4900, "USD", "another-key"), CancellationToken.None);
            Assert.Contains("charge_already_refunded", more.NotPossibleReason, StringComparison.Ordinal);
        }

        Assert.Equal("refunded", (await shop.OrderAsync(checkout))!.Status);
        await Eventually.GetAsync(() => stripe.DeliveredAsync("charge.refunded"), n => n >= 1, what: "the refund webhook to be delivered");
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Refunded'"));
    }

    [Fact]
    public async Task OpenedDisputeIsRecordedAndALostOneReversesAndRevokes()
    {
        var checkout = await PaidAsync();
        using (var opened = await stripe.ControlAsync(checkout, "dispute"))
        {
            Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        }

        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Disputed' AND processed_at IS NOT NULL"), n => n == 1, what: "the dispute to be recorded");
        var order = await shop.OrderAsync(checkout);
        Assert.Equal("paid", order!.Status);
        Assert.Equal("active", order.Licenses[0].Status);
        Assert.Contains("charge.dispute.created Disputed: dispute recorded: order and license unchanged", await stripe.OutcomesAsync(checkout));

        (await stripe.ControlAsync(checkout, "dispute/close?outcome=lost")).Dispose();
        var reversed = await shop.WaitForStatusAsync(checkout, "reversed");
        Assert.Equal("revoked", reversed!.Licenses[0].Status);
    }

    [Fact]
    public async Task WonDisputeChangesNothing()
    {
        var checkout = await PaidAsync();
        (await stripe.ControlAsync(checkout, "dispute")).Dispose();
        (await stripe.ControlAsync(checkout, "dispute/close?outcome=won")).Dispose();

        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Disputed' AND processed_at IS NOT NULL"), n => n == 2, what: "both dispute events");
        var order = await shop.OrderAsync(checkout);
        Assert.Equal("paid", order!.Status);
        Assert.Equal("active", order.Licenses[0].Status);
    }

    [Fact]
    public async Task DelayedPaymentDeliversOnlyOnceItSucceeds()
    {
        var checkout = await stripe.CheckoutAsync();
        var session = await stripe.PayAsync(checkout, delayed: true);
        Assert.Equal("unpaid", session.GetProperty("payment_status").GetString());

        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Pending' AND processed_at IS NOT NULL"), n => n == 1, what: "the unpaid completion");
        Assert.Empty((await shop.OrderAsync(checkout))!.Licenses);

        (await stripe.ControlAsync(checkout, "settle?outcome=succeeded")).Dispose();
        Assert.Single((await shop.WaitForStatusAsync(checkout, "paid"))!.Licenses);
    }

    [Fact]
    public async Task PaidSessionWhoseWebhookWasLostIsFoundByReconciliation()
    {
        await stripe.SettingsAsync(new { dropWebhooks = true });
        var checkout = await stripe.CheckoutAsync();
        await stripe.PayAsync(checkout);
        await app.WaitUntilIdleAsync();
        Assert.Equal("pending", (await shop.OrderAsync(checkout))!.Status);

        app.Clock.Advance(TimeSpan.FromMinutes(11));
        using (var scope = app.Services.CreateScope())
        {
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<ReconciliationJob>().ReconcileAsync(CancellationToken.None));
        }

        Assert.Single((await shop.WaitForStatusAsync(checkout, "paid"))!.Licenses);
    }

    [Fact]
    public async Task SandboxAnswersStripeNetWithStripesErrorsAndIdempotentReplays()
    {
        var client = Client();
        var service = new StripeNet.Checkout.SessionService(client);
        StripeNet.Checkout.SessionCreateOptions Options(long amount) => new()
        {
            Mode = "payment",
            LineItems = [new() { Quantity = 1, PriceData = new() { Currency = "usd", UnitAmount = amount, ProductData = new() { Name = "PhotoShrink Pro" } } }],
            SuccessUrl = "https://shop.example/done",
        };

        var missing = await Assert.ThrowsAsync<StripeNet.StripeException>(() => service.CreateAsync(new() { Mode = "payment", SuccessUrl = "https://shop.example/done" }));
        Assert.Equal(HttpStatusCode.BadRequest, missing.HttpStatusCode);
        Assert.Equal(("invalid_request_error", "parameter_missing", "line_items"), (missing.StripeError.Type, missing.StripeError.Code, missing.StripeError.Param));

        var unknown = await Assert.ThrowsAsync<StripeNet.StripeException>(() => service.CreateAsync(new() { Mode = "payment", ExtraParams = new Dictionary<string, object> { ["shipping_address"] = "x" } }));
        Assert.Equal(("parameter_unknown", "shipping_address"), (unknown.StripeError.Code, unknown.StripeError.Param));

        var first = await service.CreateAsync(Options(4900), new StripeNet.RequestOptions { IdempotencyKey = "key-1" });
        var replay = await service.CreateAsync(Options(4900), new StripeNet.RequestOptions { IdempotencyKey = "key-1" });
        Assert.Equal(first.Id, replay.Id);
        var reused = await Assert.ThrowsAsync<StripeNet.StripeException>(() => service.CreateAsync(Options(100), new StripeNet.RequestOptions { IdempotencyKey = "key-1" }));
        Assert.Equal("idempotency_error", reused.StripeError.Type);

        var notFound = await Assert.ThrowsAsync<StripeNet.StripeException>(() => service.GetAsync("cs_test_nope"));
        Assert.Equal((HttpStatusCode.NotFound, "resource_missing"), (notFound.HttpStatusCode, notFound.StripeError.Code));

        var wrongKey = await Assert.ThrowsAsync<StripeNet.StripeException>(() => new StripeNet.Checkout.SessionService(Client("sk_test_wrong_key_1234")).GetAsync(first.Id));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.HttpStatusCode);
        Assert.DoesNotContain("sk_test_wrong_key_1234", wrongKey.Message, StringComparison.Ordinal);

        var expired = await service.ExpireAsync(first.Id);
        Assert.Equal("expired", expired.Status);
    }

    [Fact]
    public async Task StripeBeingDownMeansNoOrderAndA503()
    {
        await stripe.SettingsAsync(new { failApiCalls = true });
        using var response = await shop.PostCheckoutAsync(new { sku = "PHOTOSHRINK-PRO", quantity = 1, email = "ada@example.com", licenseeName = "Ada Lovelace", provider = "stripe" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM orders"));
    }

    [Fact]
    public async Task NothingPersonalFromStripeReachesTheDatabaseOrTheLogs()
    {
        var checkout = await stripe.CheckoutAsync(email: "ada@example.com");
        await stripe.PayAsync(checkout);
        await shop.WaitForStatusAsync(checkout, "paid");
        await shop.WaitForMailsAsync(checkout.OrderNumber);

        Assert.DoesNotContain("4242", string.Join('\n', await stripe.OutcomesAsync(checkout)), StringComparison.Ordinal);
        var logs = app.Logs.AllText;
        Assert.DoesNotContain("ada@example.com", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(StripeShop.SandboxSecretKey, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(StripeShop.SandboxWebhookSecret, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("v1=", logs, StringComparison.Ordinal);
    }

    private async Task<CheckoutDto> PaidAsync()
    {
        var checkout = await stripe.CheckoutAsync();
        await stripe.PayAsync(checkout);
        await shop.WaitForStatusAsync(checkout, "paid");
        return checkout;
    }

    private StripeNet.StripeClient Client(string? key = null)
    {
        var settings = app.Service<StripeSettings>();
        return new StripeNet.StripeClient(new StripeNet.StripeClientOptions
        {
            ApiKey = key ?? settings.SecretKey,
            ApiBase = settings.ApiBase,
            HttpClient = new StripeNet.SystemNetHttpClient(new HttpClient(), maxNetworkRetries: 0, enableTelemetry: false),
        });
    }

    private async Task<StripeNet.Checkout.Session> SessionAsync(string id) => await new StripeNet.Checkout.SessionService(Client()).GetAsync(id);

    [GeneratedRegex(@"<button[^>]*>([^<]*)</button>")]
    private static partial Regex Button();
}
