using System.Net;
using Stripe;
using Stripe.Checkout;

namespace Orders.Api.Payments.Stripe;

// Stripe Checkout: a hosted payment page per order (a Checkout Session), fulfilled from the
// checkout.session.* webhooks. Nothing needs capturing after the customer pays.
internal sealed class StripeProvider(StripeApi api, StripeSettings settings, TimeProvider time) : IPaymentProvider
{
    // Currencies whose Stripe amounts are not in the minor units this service keeps (Stripe wants
    // them two-decimal although they have no usable fraction): refused rather than charged 100 times over.
    private static readonly HashSet<string> SpecialCaseCurrencies = ["HUF", "ISK", "TWD", "UGX"];

    public string Name => StripeEvents.ProviderName;

    public async Task<StartedCheckout> StartCheckoutAsync(CheckoutStart checkout, CancellationToken cancellationToken)
    {
        if (SpecialCaseCurrencies.Contains(checkout.Currency))
        {
            throw new PaymentProviderException(Name, unavailable: false, $"Stripe amounts in {checkout.Currency} need special handling this adapter does not do.");
        }

        Dictionary<string, string> Metadata() => new()
        {
            [StripeEvents.OrderNumberKey] = checkout.OrderNumber,
            [StripeEvents.SkuKey] = checkout.Sku,
        };
        var options = new SessionCreateOptions
        {
            Mode = "payment",
            LineItems =
            [
                new SessionLineItemOptions
                {
                    Quantity = checkout.Quantity,
                    PriceData = new SessionLineItemPriceDataOptions
                    {
                        Currency = checkout.Currency.ToLowerInvariant(),
                        UnitAmount = checkout.UnitPriceMinor,
                        ProductData = new SessionLineItemPriceDataProductDataOptions { Name = checkout.ProductName },
                    },
                },
            ],
            ClientReferenceId = checkout.OrderNumber,
            Metadata = Metadata(),
            // Session metadata is not copied to the PaymentIntent; its charges and disputes map back through this.
            PaymentIntentData = new SessionPaymentIntentDataOptions { Metadata = Metadata(), Description = checkout.ProductName },
            CustomerEmail = checkout.CustomerEmail,
            // Paid or cancelled, the customer comes back to the order's status page; the webhook decides.
            SuccessUrl = checkout.StatusUrl.AbsoluteUri,
            CancelUrl = checkout.StatusUrl.AbsoluteUri,
            ExpiresAt = time.GetUtcNow().Add(settings.Options.SessionLifetime).UtcDateTime,
        };
        var session = await api.CallAsync("create checkout session",
            client => new SessionService(client).CreateAsync(options, new RequestOptions { IdempotencyKey = $"checkout-{checkout.OrderNumber}" }, cancellationToken),
            cancellationToken);
        if (string.IsNullOrEmpty(session.Id) || !Uri.TryCreate(session.Url, UriKind.Absolute, out var url))
        {
            throw new PaymentProviderException(Name, unavailable: false, "Stripe returned no Checkout Session URL.");
        }

        return new StartedCheckout(session.Id, url);
    }

    public Task<PaymentEvent?> CaptureApprovedAsync(string providerOrderRef, CancellationToken cancellationToken) =>
        Task.FromResult<PaymentEvent?>(null);

    public async Task<RefundOutcome> RefundAsync(RefundRequest refund, CancellationToken cancellationToken)
    {
        if (refund.TransactionRef is null)
        {
            return RefundOutcome.NotPossible("Stripe has not been paid for this order, so there is nothing to refund.");
        }

        var options = new RefundCreateOptions
        {
            PaymentIntent = refund.TransactionRef,
            Amount = refund.AmountMinor,
            Reason = "requested_by_customer",
            Metadata = new Dictionary<string, string> { [StripeEvents.OrderNumberKey] = refund.OrderNumber },
        };
        try
        {
            var result = await api.CallAsync("create refund",
                client => new RefundService(client).CreateAsync(options, new RequestOptions { IdempotencyKey = refund.IdempotencyKey }, cancellationToken),
                cancellationToken);
            return RefundOutcome.Done(StripeEvents.FromRefund(result, $"refund.{result.Status}", refund.OrderNumber, refund.ProviderOrderRef, refund.TransactionRef));
        }
        catch (PaymentProviderException e) when (StripeApi.IsRefusal(e))
        {
            return RefundOutcome.NotPossible($"Stripe refused the refund ({StripeApi.ErrorCode(e) ?? "refused"}).");
        }
    }

    public async Task<PaymentEvent?> QueryAsync(ProviderOrderQuery order, CancellationToken cancellationToken)
    {
        if (order.ProviderOrderRef is null)
        {
            return null;
        }

        try
        {
            var session = await api.CallAsync("get checkout session",
                client => new SessionService(client).GetAsync(order.ProviderOrderRef, cancellationToken: cancellationToken),
                cancellationToken);
            return StripeEvents.FromRetrievedSession(session);
        }
        catch (PaymentProviderException e) when (StripeApi.IsRefusal(e, HttpStatusCode.NotFound))
        {
            return null; // not a session Stripe knows: it simply expires here
        }
    }

    // The refunds of a charge that charge.refunded reports: the event carries only the charge's
    // running total, so the refunds themselves are read, each becoming its own "refund:<id>" event.
    public async Task<IReadOnlyList<PaymentEvent>> RefundsOfChargeAsync(Charge charge, string eventType, CancellationToken cancellationToken)
    {
        var chargeId = charge.Id ?? throw new StripeEventException("The charge has no id.");
        var refunds = await api.CallAsync("list refunds",
            client => new RefundService(client).ListAsync(new RefundListOptions { Charge = chargeId, Limit = 100 }, cancellationToken: cancellationToken),
            cancellationToken);
        var orderNumber = StripeEvents.OrderNumber(charge.Metadata);
        return [.. (refunds.Data ?? []).Select(r => StripeEvents.FromRefund(r, eventType, orderNumber, null, charge.PaymentIntentId))];
    }
}
