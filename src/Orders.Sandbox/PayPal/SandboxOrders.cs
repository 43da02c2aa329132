using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Orders.Sandbox.Template;

namespace Orders.Sandbox.PayPal;

internal sealed record Approval(string Id, string Status, string? ReturnUrl);

internal sealed record CheckoutView(string Id, string Status, string? BrandName, IReadOnlyList<ValidatedUnit> Units);

// PayPal's side of orders, captures and refunds: state transitions, idempotent replays and the
// webhook events they cause. Events are published while the order's lock is held, so they are
// queued in the order the changes happened.
internal sealed class SandboxOrders(
    PayPalRepresentations json,
    PayPalProfile events,
    Outbox<PayPalSandboxOptions> outbox,
    PayPalIdempotency idempotency,
    PayPalSandboxAccounts accounts,
    TimeProvider time,
    ILogger<SandboxOrders> logger)
{
    public static readonly string[] CaptureOutcomes = ["COMPLETED", "PENDING", "DECLINED"];

    private readonly ConcurrentDictionary<string, PayPalOrder> orders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PayPalCapture> captures = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PayPalRefund> refunds = new(StringComparer.Ordinal);

    // invoice_id → order id: PayPal requires invoice ids to be unique per merchant account.
    private readonly ConcurrentDictionary<string, string> invoiceIds = new(StringComparer.Ordinal);

    // Creating is quick and in memory; one lock makes "replay or create" atomic per request id.
    private readonly Lock createGate = new();

    public ApiOutcome Create(JsonNode? body, string? requestId, bool representation)
    {
        lock (createGate)
        {
            // A repeat of a create answers with the order as it is now (approved, completed…), not as
            // it was first created: PayPal returns the latest state of the original request.
            if (idempotency.Replay("create", requestId) is { } replay)
            {
                return replay["id"]?.GetValue<string>() is { } existingId && orders.TryGetValue(existingId, out var existing)
                    ? Current(existing, representation)
                    : ApiOutcome.Success(StatusCodes.Status200OK, replay);
            }
            var (request, failure) = CreateOrderValidator.Validate(body);
            if (failure is not null)
            {
                return failure;
            }
            var id = NewId(orders);
            if (ReserveInvoiceIds(id, request!) is { } duplicate)
            {
                return duplicate;
            }
            var order = new PayPalOrder(id, request!, time.GetUtcNow());
            orders[id] = order;
            JsonObject response;
            lock (order.Gate)
            {
                response = representation ? json.Order(order) : json.OrderMinimal(order);
            }
            idempotency.Remember("create", requestId, response);
            logger.Changed("PayPal", "order", id, $"created ({order.Status})");
            return ApiOutcome.Success(StatusCodes.Status201Created, response);
        }
    }

    private ApiOutcome Current(PayPalOrder order, bool representation)
    {
        lock (order.Gate)
        {
            return ApiOutcome.Success(StatusCodes.Status200OK, representation ? json.Order(order) : json.OrderMinimal(order));
        }
    }

    public ApiOutcome Get(string orderId)
    {
        if (!orders.TryGetValue(orderId, out var order))
        {
            return PayPalErrors.NotFound("order_id", orderId);
        }
        lock (order.Gate)
        {
            return ApiOutcome.Success(StatusCodes.Status200OK, json.Order(order));
        }
    }

    public ApiOutcome Capture(string orderId, string? requestId, bool representation)
    {
        if (!orders.TryGetValue(orderId, out var order))
        {
            return PayPalErrors.NotFound("order_id", orderId);
        }
        // Concurrent captures of one order queue here, so a second request with the same
        // PayPal-Request-Id gets the stored result instead of racing the first.
        lock (order.Gate)
        {
            var scope = "capture\n" + orderId;
            if (idempotency.Replay(scope, requestId) is { } replay)
            {
                return ApiOutcome.Success(StatusCodes.Status200OK, replay);
            }
            if (order.Intent != "CAPTURE")
            {
                return PayPalErrors.Unprocessable("ACTION_DOES_NOT_MATCH_INTENT");
            }
            if (order.Status == "COMPLETED")
            {
                return PayPalErrors.Unprocessable("ORDER_ALREADY_CAPTURED");
            }
            if (!order.Approved)
            {
                return PayPalErrors.Unprocessable("ORDER_NOT_APPROVED");
            }
            var now = time.GetUtcNow();
            foreach (var unit in order.Request.Units)
            {
                var capture = new PayPalCapture(NewId(captures), order, unit, order.CaptureStatusOnApproval, now);
                captures[capture.Id] = capture;
                order.Captures.Add(capture);
            }
            order.Status = "COMPLETED";
            order.UpdateTime = now;
            var response = representation ? json.Order(order) : json.CaptureMinimal(order);
            idempotency.Remember(scope, requestId, response);
            foreach (var capture in order.Captures)
            {
                logger.Changed("PayPal", "capture", capture.Id, $"of order {order.Id}: {capture.Status}");
                var (eventType, summary) = capture.Status switch
                {
                    "PENDING" => ("PAYMENT.CAPTURE.PENDING", $"Payment pending for {capture.Amount}"),
                    "DECLINED" => ("PAYMENT.CAPTURE.DECLINED", $"Payment declined for {capture.Amount}"),
                    _ => ("PAYMENT.CAPTURE.COMPLETED", $"Payment completed for {capture.Amount}"),
                };
                outbox.Enqueue(events.Event(eventType, "capture", summary, json.CaptureEventResource(capture)));
            }
            return ApiOutcome.Success(StatusCodes.Status201Created, response);
        }
    }

    // What the buyer does on the hosted page (or a test does by script).
    public (Approval? Approval, PayPalFailure? Failure) Approve(string orderId, string captureOutcome)
    {
        if (!orders.TryGetValue(orderId, out var order))
        {
            return (null, PayPalErrors.NotFound("order_id", orderId));
        }
        lock (order.Gate)
        {
            if (order.Status == "COMPLETED")
            {
                return (null, PayPalErrors.Unprocessable("ORDER_ALREADY_CAPTURED"));
            }
            if (!order.Approved)
            {
                order.Approved = true;
                order.Status = "APPROVED";
                order.CaptureStatusOnApproval = captureOutcome;
                order.UpdateTime = time.GetUtcNow();
                logger.Changed("PayPal", "order", order.Id, $"approved (capture will be {captureOutcome})");
                outbox.Enqueue(events.Event("CHECKOUT.ORDER.APPROVED", "checkout-order", "An order has been approved by buyer", json.Order(order)));
            }
            var returnUrl = order.Request.ReturnUrl is { } url
                ? PayPage.WithQuery(url, ("token", order.Id), ("PayerID", accounts.PayerId))
                : null;
            return (new Approval(order.Id, order.Status, returnUrl), null);
        }
    }

    // Cancelling on the hosted page changes nothing at PayPal; the buyer is just sent back.
    public bool TryGetCancelUrl(string orderId, out string? cancelUrl)
    {
        cancelUrl = null;
        if (!orders.TryGetValue(orderId, out var order))
        {
            return false;
        }
        if (order.Request.CancelUrl is { } url)
        {
            cancelUrl = PayPage.WithQuery(url, ("token", order.Id));
        }
        return true;
    }

    public CheckoutView? FindForCheckout(string orderId)
    {
        if (!orders.TryGetValue(orderId, out var order))
        {
            return null;
        }
        lock (order.Gate)
        {
            return new CheckoutView(order.Id, order.Status, order.Request.BrandName, order.Request.Units);
        }
    }

    public ApiOutcome GetCapture(string captureId)
    {
        if (!captures.TryGetValue(captureId, out var capture))
        {
            return PayPalErrors.NotFound("capture_id", captureId, "payments/v2");
        }
        lock (capture.Order.Gate)
        {
            return ApiOutcome.Success(StatusCodes.Status200OK, json.CaptureEventResource(capture));
        }
    }

    public ApiOutcome GetRefund(string refundId)
    {
        if (!refunds.TryGetValue(refundId, out var refund))
        {
            return PayPalErrors.NotFound("refund_id", refundId, "payments/v2");
        }
        lock (refund.Capture.Order.Gate)
        {
            return ApiOutcome.Success(StatusCodes.Status200OK, json.Refund(refund));
        }
    }

    public ApiOutcome Refund(string captureId, JsonNode? body, string? requestId, bool representation)
    {
        if (!captures.TryGetValue(captureId, out var capture))
        {
            return PayPalErrors.NotFound("capture_id", captureId, "payments/v2");
        }
        var (request, failure) = CreateOrderValidator.ValidateRefund(body);
        if (failure is not null)
        {
            return failure;
        }
        lock (capture.Order.Gate)
        {
            var scope = "refund\n" + captureId;
            if (idempotency.Replay(scope, requestId) is { } replay)
            {
                return ApiOutcome.Success(StatusCodes.Status200OK, replay);
            }
            var refusal = capture.Status switch
            {
                "PENDING" => "PENDING_CAPTURE",
                "REFUNDED" => "CAPTURE_FULLY_REFUNDED",
                "DECLINED" or "REVERSED" => "REFUND_NOT_ALLOWED",
                _ => null,
            };
            if (refusal is not null)
            {
                return PayPalErrors.Unprocessable(refusal, "payments/v2");
            }
            var remaining = capture.Remaining;
            var amount = request!.Amount ?? remaining;
            if (amount.Currency != remaining.Currency)
            {
                return PayPalErrors.Unprocessable([PayPalErrors.Issue("REFUND_CAPTURE_CURRENCY_MISMATCH", "/amount/currency_code", amount.Currency)], "payments/v2");
            }
            if (amount.Value > remaining.Value)
            {
                return PayPalErrors.Unprocessable([PayPalErrors.Issue("REFUND_AMOUNT_EXCEEDED", "/amount/value", amount.Text)], "payments/v2");
            }
            var now = time.GetUtcNow();
            var refund = new PayPalRefund(NewId(refunds), capture, amount, request.InvoiceId, request.NoteToPayer, IsReversal: false, now);
            refunds[refund.Id] = refund;
            capture.Refunds.Add(refund);
            capture.Status = capture.Remaining.Value == 0 ? "REFUNDED" : "PARTIALLY_REFUNDED";
            capture.UpdateTime = now;
            var response = representation ? json.Refund(refund) : json.RefundMinimal(refund);
            idempotency.Remember(scope, requestId, response);
            logger.Changed("PayPal", "capture", capture.Id, $"refund {refund.Id}, now {capture.Status}");
            outbox.Enqueue(events.Event("PAYMENT.CAPTURE.REFUNDED", "refund", $"A {amount} capture payment was refunded", json.Refund(refund)));
            return ApiOutcome.Success(StatusCodes.Status201Created, response);
        }
    }

    // A chargeback or risk reversal: PayPal takes back what is left of the capture.
    public ApiOutcome Reverse(string captureId)
    {
        if (!captures.TryGetValue(captureId, out var capture))
        {
            return PayPalErrors.NotFound("capture_id", captureId, "payments/v2");
        }
        lock (capture.Order.Gate)
        {
            if (capture.Status is not ("COMPLETED" or "PARTIALLY_REFUNDED"))
            {
                return PayPalErrors.Unprocessable("CAPTURE_NOT_REVERSIBLE", "payments/v2");
            }
            var now = time.GetUtcNow();
            var reversal = new PayPalRefund(NewId(refunds), capture, capture.Remaining, null, "Payment reversed", IsReversal: true, now);
            refunds[reversal.Id] = reversal;
            capture.Refunds.Add(reversal);
            capture.Status = "REVERSED";
            capture.UpdateTime = now;
            logger.Changed("PayPal", "capture", capture.Id, $"reversal {reversal.Id}, now {capture.Status}");
            outbox.Enqueue(events.Event("PAYMENT.CAPTURE.REVERSED", "refund", $"A {reversal.Amount} capture payment was reversed", json.Refund(reversal)));
            return ApiOutcome.Success(StatusCodes.Status200OK, json.CaptureEventResource(capture));
        }
    }

    // A PENDING capture clears (COMPLETED) or is denied (DECLINED).
    public ApiOutcome Settle(string captureId, bool complete)
    {
        if (!captures.TryGetValue(captureId, out var capture))
        {
            return PayPalErrors.NotFound("capture_id", captureId, "payments/v2");
        }
        lock (capture.Order.Gate)
        {
            if (capture.Status != "PENDING")
            {
                return PayPalErrors.Unprocessable("CAPTURE_NOT_PENDING", "payments/v2");
            }
            capture.Status = complete ? "COMPLETED" : "DECLINED";
            capture.UpdateTime = time.GetUtcNow();
            logger.Changed("PayPal", "capture", capture.Id, $"settled as {capture.Status}");
            var (eventType, summary) = complete
                ? ("PAYMENT.CAPTURE.COMPLETED", $"Payment completed for {capture.Amount}")
                : ("PAYMENT.CAPTURE.DENIED", $"Payment denied for {capture.Amount}");
            outbox.Enqueue(events.Event(eventType, "capture", summary, json.CaptureEventResource(capture)));
            return ApiOutcome.Success(StatusCodes.Status200OK, json.CaptureEventResource(capture));
        }
    }

    // For load tests (bench/): an order created, approved and captured at "PayPal" under the id the
    // caller chose, without a webhook, as if the buyer paid and every notification was still to come.
    // Returns the capture id.
    public string SeedCaptured(string orderId, JsonNode createBody)
    {
        var (request, failure) = CreateOrderValidator.Validate(createBody);
        if (failure is not null)
        {
            throw new ArgumentException($"Not a valid create-order body ({failure.Error.Name}).", nameof(createBody));
        }
        var now = time.GetUtcNow();
        var order = new PayPalOrder(orderId, request!, now) { Approved = true, Status = "COMPLETED" };
        lock (order.Gate)
        {
            foreach (var unit in request!.Units)
            {
                var capture = new PayPalCapture(NewId(captures), order, unit, "COMPLETED", now);
                captures[capture.Id] = capture;
                order.Captures.Add(capture);
            }
        }
        if (!orders.TryAdd(orderId, order))
        {
            throw new ArgumentException($"Order {orderId} exists already.", nameof(orderId));
        }
        return order.Captures[0].Id;
    }

    private PayPalFailure? ReserveInvoiceIds(string orderId, ValidatedOrder request)
    {
        List<string> reserved = [];
        foreach (var unit in request.Units)
        {
            if (unit.InvoiceId is not { } invoiceId)
            {
                continue;
            }
            if (!invoiceIds.TryAdd(invoiceId, orderId))
            {
                foreach (var taken in reserved)
                {
                    invoiceIds.TryRemove(taken, out _);
                }
                return PayPalErrors.Unprocessable([PayPalErrors.Issue("DUPLICATE_INVOICE_ID", unit.Pointer + "/invoice_id", invoiceId)]);
            }
            reserved.Add(invoiceId);
        }
        return null;
    }

    private static string NewId<T>(ConcurrentDictionary<string, T> existing)
    {
        string id;
        do
        {
            id = SandboxIds.Resource();
        }
        while (existing.ContainsKey(id));
        return id;
    }
}
