using System.Net;
using System.Net.Sockets;

namespace Orders.Api.Payments.PayPal;

internal sealed class PayPalProvider(PayPalClient client, PayPalSettings settings) : IPaymentProvider
{
    public const string ProviderName = "paypal";

    public string Name => ProviderName;

    public async Task<StartedCheckout> StartCheckoutAsync(CheckoutStart checkout, CancellationToken cancellationToken)
    {
        var unit = new PayPalMoney(checkout.Currency, Money.ToDecimalString(checkout.UnitPriceMinor, checkout.Currency));
        var total = new PayPalMoney(checkout.Currency, Money.ToDecimalString(checkout.TotalMinor, checkout.Currency));
        var body = new CreateOrderBody(
            Intent: "CAPTURE",
            PurchaseUnits:
            [
                new CreatePurchaseUnit(
                    ReferenceId: checkout.OrderNumber,
                    CustomId: checkout.OrderNumber,
                    InvoiceId: checkout.OrderNumber,
                    Description: Truncate(checkout.ProductName, 127),
                    Amount: new AmountWithBreakdown(total.CurrencyCode, total.Value, new AmountBreakdown(total)),
                    Items: [new ItemBody(Truncate(checkout.ProductName, 127), checkout.Sku, checkout.Quantity.ToString(System.Globalization.CultureInfo.InvariantCulture), unit, "DIGITAL_GOODS")]),
            ],
            PaymentSource: new PaymentSourceBody(new PayPalSourceBody(new ExperienceContext(
                BrandName: settings.BrandName,
                ShippingPreference: "NO_SHIPPING",   // licenses are digital goods
                UserAction: "PAY_NOW",              // the amount is final, so PayPal shows "Pay Now"
                LandingPage: "NO_PREFERENCE",
                ReturnUrl: checkout.ReturnUrl.AbsoluteUri,
                CancelUrl: checkout.CancelUrl.AbsoluteUri))));

        var order = await CallAsync(() => client.CreateOrderAsync(body, $"create-{checkout.OrderNumber}", cancellationToken));
        var link = order.Links?.FirstOrDefault(l => l.Rel is "payer-action" or "approve")
            ?? throw new PaymentProviderException(Name, unavailable: false, "PayPal returned no approval link.");
        return new StartedCheckout(order.Id, new Uri(link.Href));
    }

    public async Task<PaymentEvent?> CaptureApprovedAsync(string providerOrderRef, CancellationToken cancellationToken)
    {
        try
        {
            var order = await CallAsync(() => client.CaptureOrderAsync(providerOrderRef, cancellationToken));
            return PayPalEvents.FromOrder(order);
        }
        catch (PaymentProviderException e) when (e.InnerException is PayPalApiException { StatusCode: var code } && (int)code is >= 400 and < 500 and not 408 and not 429)
        {
            // INSTRUMENT_DECLINED, ORDER_NOT_APPROVED, expired order…: retrying cannot help. The order
            // stays pending; the buyer may try again, otherwise it expires.
            return null;
        }
    }

    public async Task<RefundOutcome> RefundAsync(RefundRequest refund, CancellationToken cancellationToken)
    {
        if (refund.TransactionRef is null)
        {
            return RefundOutcome.NotPossible("PayPal has not captured this order, so there is nothing to refund.");
        }

        try
        {
            var amount = new PayPalMoney(refund.Currency, Money.ToDecimalString(refund.AmountMinor, refund.Currency));
            var result = await CallAsync(() => client.RefundCaptureAsync(refund.TransactionRef, new RefundBody(amount, refund.OrderNumber), refund.IdempotencyKey, cancellationToken));
            long? minor = Money.TryParseMinor(result.Amount?.Value, result.Amount?.CurrencyCode, out var parsed) ? parsed : refund.AmountMinor;
            return RefundOutcome.Done(new PaymentEvent(Name, PayPalEvents.RefundEventId(result.Id), "REFUND.RESULT." + result.Status,
                result.Status == "COMPLETED" ? PaymentEventKind.Refunded : PaymentEventKind.Ignored,
                refund.OrderNumber, refund.ProviderOrderRef, refund.TransactionRef, result.Id, minor, result.Amount?.CurrencyCode ?? refund.Currency));
        }
        catch (PaymentProviderException e) when (e.InnerException is PayPalApiException { StatusCode: var code } api && (int)code is >= 400 and < 500)
        {
            var issue = api.Error?.Details?.FirstOrDefault()?.Issue ?? api.Error?.Name ?? "refused";
            return RefundOutcome.NotPossible($"PayPal refused the refund ({issue}).");
        }
    }

    public async Task<PaymentEvent?> QueryAsync(ProviderOrderQuery order, CancellationToken cancellationToken)
    {
        if (order.ProviderOrderRef is null)
        {
            return null;
        }

        PayPalOrder current;
        try
        {
            current = await CallAsync(() => client.GetOrderAsync(order.ProviderOrderRef, cancellationToken));
        }
        catch (PaymentProviderException e) when (e.InnerException is PayPalApiException { StatusCode: HttpStatusCode.NotFound })
        {
            return null; // PayPal forgot an order that was never approved: it simply expires here
        }

        return current.Status switch
        {
            // Approved but never captured (the APPROVED webhook was lost): capture now, as it would have.
            "APPROVED" => await CaptureApprovedAsync(order.ProviderOrderRef, cancellationToken),
            "COMPLETED" => PayPalEvents.FromOrder(current),
            _ => null,
        };
    }

    private async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (PayPalApiException e)
        {
            throw new PaymentProviderException(Name, unavailable: (int)e.StatusCode >= 500 && e.StatusCode != HttpStatusCode.NotImplemented, e.Message, e);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException || e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            throw new PaymentProviderException(Name, unavailable: true, "PayPal could not be reached.", e);
        }
        catch (HttpRequestException e)
        {
            throw new PaymentProviderException(Name, unavailable: false, "PayPal's answer could not be read.", e);
        }
        catch (Exception e) when (e is TimeoutException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException)
        {
            throw new PaymentProviderException(Name, unavailable: true, "PayPal did not answer in time.", e);
        }
    }

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];
}
