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
    PayPalSandboxAccounts accounts,
    TimeProvider time,
    ILogger<SandboxOrders> logger)
{
    public static readonly string[] CaptureOutcomes = ["COMPLETED", "PENDING", "DECLINED"];

    public const int MaxRequestIdLength = 108;

    private readonly SandboxStore<PayPalOrder> orders = new(o => o.Gate);
    private readonly SandboxStore<PayPalCapture> captures = new(c => c.Order.Gate);
    private readonly SandboxStore<PayPalRefund> refunds = new(r => r.Capture.Order.Gate);

    // PayPal-Request-Id: "The server stores keys for 6 hours." Callers hold the lock that serializes
    // the operation, so look-up and store cannot race for one key.
    private readonly IdempotencyStore idempotency = new(time, TimeSpan.FromHours(6));

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
            if (idempotency.Find("create", requestId)?.Body is { } replay)
            {
                return replay["id"]?.GetValue<string>() is { } existingId && orders.Contains(existingId)
                    ? WithOrder(existingId, order => Ok(representation ? json.Order(order) : json.OrderMinimal(order)))
                    : Ok(replay);
            }
            var (request, failure) = CreateOrderValidator.Validate(body);
            var id = orders.NewId(SandboxIds.Resource);
            if ((failure ?? ReserveInvoiceIds(id, request!)) is { } refused)
            {
                return refused;
            }
            orders.TryAdd(id, new PayPalOrder(id, request!, time.GetUtcNow()));
            return WithOrder(id, order =>
            {
                var response = representation ? json.Order(order) : json.OrderMinimal(order);
                idempotency.Remember("create", requestId, StatusCodes.Status201Created, response);
                logger.Changed("PayPal", "order", id, $"created ({order.Status})");
                return Ok(response, StatusCodes.Status201Created);
            });
        }
    }

    public ApiOutcome Get(string orderId) => WithOrder(orderId, order => Ok(json.Order(order)));

    // Concurrent captures of one order queue on its lock, so a second request with the same
    // PayPal-Request-Id gets the stored result instead of racing the first.
    public ApiOutcome Capture(string orderId, string? requestId, bool representation) => WithOrder(orderId, order =>
    {
        var scope = "capture\n" + orderId;
        if (idempotency.Find(scope, requestId)?.Body is { } replay)
        {
            return Ok(replay);
        }
        var refusal = order.Intent != "CAPTURE" ? "ACTION_DOES_NOT_MATCH_INTENT"
            : order.Status == "COMPLETED" ? "ORDER_ALREADY_CAPTURED"
            : !order.Approved ? "ORDER_NOT_APPROVED"
            : null;
        if (refusal is not null)
        {
            return PayPalErrors.Unprocessable(refusal);
        }
        AddCaptures(order, order.CaptureStatusOnApproval);
        order.Status = "COMPLETED";
        var response = representation ? json.Order(order) : json.CaptureMinimal(order);
        idempotency.Remember(scope, requestId, StatusCodes.Status201Created, response);
        foreach (var capture in order.Captures)
        {
            logger.Changed("PayPal", "capture", capture.Id, $"of order {order.Id}: {capture.Status}");
            PublishCapture(capture, capture.Status switch { "PENDING" => "PENDING", "DECLINED" => "DECLINED", _ => "COMPLETED" });
        }
        return Ok(response, StatusCodes.Status201Created);
    });

    // What the buyer does on the hosted page (or a test does by script).
    public (Approval? Approval, PayPalFailure? Failure) Approve(string orderId, string captureOutcome) => orders.With<(Approval?, PayPalFailure?)>(
        orderId,
        order =>
        {
            if (order.Status == "COMPLETED")
            {
                return (null, PayPalErrors.Unprocessable("ORDER_ALREADY_CAPTURED"));
            }
            if (!order.Approved)
            {
                (order.Approved, order.Status, order.CaptureStatusOnApproval, order.UpdateTime) = (true, "APPROVED", captureOutcome, time.GetUtcNow());
                logger.Changed("PayPal", "order", order.Id, $"approved (capture will be {captureOutcome})");
                outbox.Enqueue(events.Event("CHECKOUT.ORDER.APPROVED", "checkout-order", "An order has been approved by buyer", json.Order(order)));
            }
            var returnUrl = order.Request.ReturnUrl is { } url ? PayPage.WithQuery(url, ("token", order.Id), ("PayerID", accounts.PayerId)) : null;
            return (new Approval(order.Id, order.Status, returnUrl), null);
        },
        () => (null, PayPalErrors.NotFound("order_id", orderId)));

    // Cancelling on the hosted page changes nothing at PayPal; the buyer is just sent back.
    public bool TryGetCancelUrl(string orderId, out string? cancelUrl)
    {
        var order = orders.Find(orderId);
        cancelUrl = order?.Request.CancelUrl is { } url ? PayPage.WithQuery(url, ("token", order.Id)) : null;
        return order is not null;
    }

    public CheckoutView? FindForCheckout(string orderId) =>
        orders.With<CheckoutView?>(orderId, order => new CheckoutView(order.Id, order.Status, order.Request.BrandName, order.Request.Units), () => null);

    public ApiOutcome GetCapture(string captureId) => WithCapture(captureId, capture => Ok(json.CaptureEventResource(capture)));

    public ApiOutcome GetRefund(string refundId) =>
        refunds.With(refundId, refund => Ok(json.Refund(refund)), () => PayPalErrors.NotFound("refund_id", refundId, "payments/v2"));

    public ApiOutcome Refund(string captureId, JsonNode? body, string? requestId, bool representation)
    {
        var (request, failure) = CreateOrderValidator.ValidateRefund(body);
        return !captures.Contains(captureId) ? PayPalErrors.NotFound("capture_id", captureId, "payments/v2")
            : failure is not null ? failure
            : WithCapture(captureId, capture =>
            {
                var scope = "refund\n" + captureId;
                if (idempotency.Find(scope, requestId)?.Body is { } replay)
                {
                    return Ok(replay);
                }
                var remaining = capture.Remaining;
                var amount = request!.Amount ?? remaining;
                var refusal = capture.Status switch
                {
                    "PENDING" => PayPalErrors.Issue("PENDING_CAPTURE", location: null),
                    "REFUNDED" => PayPalErrors.Issue("CAPTURE_FULLY_REFUNDED", location: null),
                    "DECLINED" or "REVERSED" => PayPalErrors.Issue("REFUND_NOT_ALLOWED", location: null),
                    _ when amount.Currency != remaining.Currency => PayPalErrors.Issue("REFUND_CAPTURE_CURRENCY_MISMATCH", "/amount/currency_code", amount.Currency),
                    _ when amount.Value > remaining.Value => PayPalErrors.Issue("REFUND_AMOUNT_EXCEEDED", "/amount/value", amount.Text),
                    _ => null,
                };
                if (refusal is not null)
                {
                    return PayPalErrors.Unprocessable([refusal], "payments/v2");
                }
                var refund = AddRefund(capture, amount, request.InvoiceId, request.NoteToPayer, isReversal: false);
                capture.Status = capture.Remaining.Value == 0 ? "REFUNDED" : "PARTIALLY_REFUNDED";
                var response = representation ? json.Refund(refund) : json.RefundMinimal(refund);
                idempotency.Remember(scope, requestId, StatusCodes.Status201Created, response);
                logger.Changed("PayPal", "capture", capture.Id, $"refund {refund.Id}, now {capture.Status}");
                outbox.Enqueue(events.Event("PAYMENT.CAPTURE.REFUNDED", "refund", $"A {amount} capture payment was refunded", json.Refund(refund)));
                return Ok(response, StatusCodes.Status201Created);
            });
    }

    // A chargeback or risk reversal: PayPal takes back what is left of the capture.
    public ApiOutcome Reverse(string captureId) => WithCapture(captureId, capture =>
    {
        if (capture.Status is not ("COMPLETED" or "PARTIALLY_REFUNDED"))
        {
            return PayPalErrors.Unprocessable("CAPTURE_NOT_REVERSIBLE", "payments/v2");
        }
        var reversal = AddRefund(capture, capture.Remaining, null, "Payment reversed", isReversal: true);
        capture.Status = "REVERSED";
        logger.Changed("PayPal", "capture", capture.Id, $"reversal {reversal.Id}, now {capture.Status}");
        outbox.Enqueue(events.Event("PAYMENT.CAPTURE.REVERSED", "refund", $"A {reversal.Amount} capture payment was reversed", json.Refund(reversal)));
        return Ok(json.CaptureEventResource(capture));
    });

    // A PENDING capture clears (COMPLETED) or is denied (DECLINED).
    public ApiOutcome Settle(string captureId, bool complete) => WithCapture(captureId, capture =>
    {
        if (capture.Status != "PENDING")
        {
            return PayPalErrors.Unprocessable("CAPTURE_NOT_PENDING", "payments/v2");
        }
        (capture.Status, capture.UpdateTime) = (complete ? "COMPLETED" : "DECLINED", time.GetUtcNow());
        logger.Changed("PayPal", "capture", capture.Id, $"settled as {capture.Status}");
        PublishCapture(capture, complete ? "COMPLETED" : "DENIED");
        return Ok(json.CaptureEventResource(capture));
    });

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
        var order = new PayPalOrder(orderId, request!, time.GetUtcNow()) { Approved = true, Status = "COMPLETED" };
        lock (order.Gate)
        {
            AddCaptures(order, "COMPLETED");
        }
        if (!orders.TryAdd(orderId, order))
        {
            throw new ArgumentException($"Order {orderId} exists already.", nameof(orderId));
        }
        return order.Captures[0].Id;
    }

    private ApiOutcome WithOrder(string orderId, Func<PayPalOrder, ApiOutcome> action) =>
        orders.With(orderId, action, () => PayPalErrors.NotFound("order_id", orderId));

    private ApiOutcome WithCapture(string captureId, Func<PayPalCapture, ApiOutcome> action) =>
        captures.With(captureId, action, () => PayPalErrors.NotFound("capture_id", captureId, "payments/v2"));

    // One capture per purchase unit, in unit order.
    private void AddCaptures(PayPalOrder order, string status)
    {
        order.UpdateTime = time.GetUtcNow();
        foreach (var unit in order.Request.Units)
        {
            var capture = new PayPalCapture(captures.NewId(SandboxIds.Resource), order, unit, status, order.UpdateTime);
            captures.TryAdd(capture.Id, capture);
            order.Captures.Add(capture);
        }
    }

    private PayPalRefund AddRefund(PayPalCapture capture, Money amount, string? invoiceId, string? note, bool isReversal)
    {
        var refund = new PayPalRefund(refunds.NewId(SandboxIds.Resource), capture, amount, invoiceId, note, isReversal, time.GetUtcNow());
        refunds.TryAdd(refund.Id, refund);
        capture.Refunds.Add(refund);
        capture.UpdateTime = refund.CreateTime;
        return refund;
    }

    private void PublishCapture(PayPalCapture capture, string outcome) => outbox.Enqueue(events.Event(
        "PAYMENT.CAPTURE." + outcome, "capture", $"Payment {outcome.ToLowerInvariant()} for {capture.Amount}", json.CaptureEventResource(capture)));

    private PayPalFailure? ReserveInvoiceIds(string orderId, ValidatedOrder request)
    {
        List<string> reserved = [];
        foreach (var unit in request.Units.Where(u => u.InvoiceId is not null))
        {
            if (!invoiceIds.TryAdd(unit.InvoiceId!, orderId))
            {
                reserved.ForEach(taken => invoiceIds.TryRemove(taken, out _));
                return PayPalErrors.Unprocessable([PayPalErrors.Issue("DUPLICATE_INVOICE_ID", unit.Pointer + "/invoice_id", unit.InvoiceId)]);
            }
            reserved.Add(unit.InvoiceId!);
        }
        return null;
    }

    private static ApiOutcome Ok(JsonNode body, int statusCode = StatusCodes.Status200OK) => ApiOutcome.Success(statusCode, body);
}
