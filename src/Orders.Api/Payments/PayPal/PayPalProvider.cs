using System.Net;
using System.Net.Sockets;
using Orders.Api.Orders;

namespace Orders.Api.Payments.PayPal;

internal sealed class PayPalProvider(PayPalClient client, PayPalSettings settings) : IPaymentProvider
{
    public const string ProviderName = "paypal";

    public string Name => ProviderName;

    public string DisplayName => "PayPal";

    // PayPal keeps an order payable for about 3 hours (PROVIDERS.md 1.3); canceling here does not
    // close it, so a customer who changes their mind can still pay (money after a cancel counts).
    public DateTime? PaymentPageOpenUntil(DateTime createdAt, string status) =>
        status is OrderStatus.Pending or OrderStatus.Canceled ? createdAt.AddHours(3) : null;

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

    private async Task<PaymentEvent?> CaptureApprovedAsync(string providerOrderRef, CancellationToken cancellationToken)
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

    public bool CanBeAsked => true;

    // Reconciliation: what became of an order still pending here. Approved but never captured (the
    // approval's webhook was lost, or the customer never came back): capture now, as it would have.
    public async Task<PaymentEvent?> QueryAsync(ProviderOrderQuery order, CancellationToken cancellationToken)
    {
        if (order.ProviderOrderRef is null || await GetOrderOrNullAsync(order.ProviderOrderRef, cancellationToken) is not { } current)
        {
            return null; // PayPal forgot an order that was never approved: it simply expires here
        }

        return current.Status switch
        {
            "APPROVED" => await CaptureApprovedAsync(order.ProviderOrderRef, cancellationToken),
            "COMPLETED" => PayPalEvents.FromOrder(current),
            _ => null,
        };
    }

    public async Task<IReadOnlyList<PaymentEvent>> ConfirmAsync(PaymentNotification notification, CancellationToken cancellationToken)
    {
        if (notification.RefundRef is { } refundId)
        {
            return await ConfirmRefundAsync(refundId, claimsReversal: notification.EventType == PayPalEvents.CaptureReversed, cancellationToken);
        }

        if (notification.TransactionRef is { } captureId)
        {
            return await GetCaptureOrNullAsync(captureId, cancellationToken) is { } capture ? [PayPalEvents.FromCapture(capture)] : [];
        }

        // About the order as a whole (approved, approval reversed): only our own stored reference is asked about.
        if (notification.Order is not { } order)
        {
            return [];
        }

        var learned = notification.EventType == PayPalEvents.ApprovalReversed
            ? (await CancelAsync(order, cancellationToken)).Learned
            : await QueryAsync(order, cancellationToken);
        return learned is null ? [] : [learned];
    }

    // Nothing here undoes a payment: the order is canceled only when PayPal says it was neither
    // approved nor completed. An approved order is left to its capture (webhook, return, reconciliation).
    public async Task<CancelOutcome> CancelAsync(ProviderOrderQuery order, CancellationToken cancellationToken)
    {
        if (order.ProviderOrderRef is null)
        {
            return CancelOutcome.CannotTell;
        }

        var current = await GetOrderOrNullAsync(order.ProviderOrderRef, cancellationToken);
        return current?.Status switch
        {
            null => new CancelOutcome(PayPalEvents.Canceled(order.OrderNumber, order.ProviderOrderRef, "NOT_FOUND")),
            "COMPLETED" => new CancelOutcome(PayPalEvents.FromOrder(current)),
            "APPROVED" => CancelOutcome.CannotTell,
            var status => new CancelOutcome(PayPalEvents.Canceled(order.OrderNumber, order.ProviderOrderRef, status)),
        };
    }

    // A refund or a reversal, as PayPal's API has it. A notification that claims a reversal is one
    // only if the capture it came from was taken back whole; otherwise it counts as the refund it is.
    private async Task<IReadOnlyList<PaymentEvent>> ConfirmRefundAsync(string refundId, bool claimsReversal, CancellationToken cancellationToken)
    {
        var refund = await CallAsync(() => GetOrNullAsync(() => client.GetRefundAsync(refundId, cancellationToken)));
        if (refund is null)
        {
            return [];
        }

        var captureId = refund.Links?.FirstOrDefault(l => l.Rel == "up") is { } up && Uri.TryCreate(up.Href, UriKind.Absolute, out var upUri)
            ? upUri.Segments[^1].TrimEnd('/')
            : null;
        var capture = captureId is null ? null : await GetCaptureOrNullAsync(captureId, cancellationToken);
        var reversal = claimsReversal && capture?.Status is "REVERSED" or "REFUNDED";
        return [PayPalEvents.FromRefund(refund, capture?.Id, reversal, capture?.CustomId)];
    }

    private Task<PayPalOrder?> GetOrderOrNullAsync(string orderId, CancellationToken ct) =>
        CallAsync(() => GetOrNullAsync(() => client.GetOrderAsync(orderId, ct)));

    private Task<PayPalCapture?> GetCaptureOrNullAsync(string captureId, CancellationToken ct) =>
        CallAsync(() => GetOrNullAsync(() => client.GetCaptureAsync(captureId, ct)));

    // 404: PayPal has no such resource (a notification naming an id PayPal never issued, or an
    // order it has forgotten). Any other failure propagates, so the caller retries later.
    private static async Task<T?> GetOrNullAsync<T>(Func<Task<T>> get)
        where T : class
    {
        try
        {
            return await get();
        }
        catch (PayPalApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (PayPalApiException e)
        {
            throw new PaymentProviderException(Name, unavailable: (int)e.StatusCode is (>= 500 and not 501) or 429 or 408, e.Message, e);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException || e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            throw new PaymentProviderException(Name, unavailable: true, "PayPal could not be reached.", e);
        }
        catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException or NotSupportedException)
        {
            throw new PaymentProviderException(Name, unavailable: true, "PayPal's answer could not be read.", e);
        }
        catch (Exception e) when (e is TimeoutException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException)
        {
            throw new PaymentProviderException(Name, unavailable: true, "PayPal did not answer in time.", e);
        }
        catch (Polly.CircuitBreaker.BrokenCircuitException e)
        {
            // The resilience handler stopped calling PayPal for a while after repeated failures.
            throw new PaymentProviderException(Name, unavailable: true, "PayPal is failing; calls are paused for a moment.", e);
        }
    }

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];
}
