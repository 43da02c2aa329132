using System.Net;
using Orders.Api.Orders;
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

    public string DisplayName => "Stripe";

    // A canceled order's session was expired through the API, so only a pending one can be paid.
    public DateTime? PaymentPageOpenUntil(DateTime createdAt, string status) =>
        status == OrderStatus.Pending ? createdAt.Add(settings.Options.SessionLifetime) : null;

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
            // Paid, the customer comes back to the order's status page (the webhook decides); Cancel
            // goes to our cancel link, which expires the session before the order is called canceled.
            SuccessUrl = checkout.StatusUrl.AbsoluteUri,
            CancelUrl = checkout.CancelUrl.AbsoluteUri,
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

    public bool CanBeAsked => true;

    // Stripe's events are HMAC-signed over the whole body (a strong signature), and the money events
    // are read back from the API where the event alone is not enough (refunds): none is stored as Notified.
    public Task<IReadOnlyList<PaymentEvent>> ConfirmAsync(PaymentNotification notification, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PaymentEvent>>([]);

    // The customer left Stripe's page: the session is expired through the API, so it can no longer be
    // paid. Stripe refuses that for a session already complete; then the session says what happened.
    public async Task<CancelOutcome> CancelAsync(ProviderOrderQuery order, CancellationToken cancellationToken)
    {
        if (order.ProviderOrderRef is null)
        {
            return CancelOutcome.CannotTell;
        }

        try
        {
            var expired = await api.CallAsync("expire checkout session",
                client => new SessionService(client).ExpireAsync(order.ProviderOrderRef, cancellationToken: cancellationToken),
                cancellationToken);
            return new CancelOutcome(StripeEvents.CanceledSession(expired));
        }
        catch (PaymentProviderException e) when (StripeApi.IsRefusal(e))
        {
            return new CancelOutcome(await QueryAsync(order, cancellationToken));
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
