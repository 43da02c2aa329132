using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Orders.Sandbox.Template;

namespace Orders.Sandbox.Stripe;

// Who asked for a change through the API, for the event's "request" field (null for the dashboard
// or for what happens on the hosted page).
internal sealed record StripeRequestInfo(string RequestId, string? IdempotencyKey);

// Stripe's side of Checkout Sessions and what follows them: payment, refunds, disputes, expiry,
// and the events each causes. Events are queued while the session's lock is held, so they leave in
// the order the changes happened.
internal sealed class StripeSessions(
    Outbox<StripeSandboxOptions> outbox,
    StripeProfile profile,
    StripeRepresentations json,
    TimeProvider time,
    ILogger<StripeSessions> logger)
{
    private readonly SandboxStore<StripeSession> byId = new(s => s.Gate);
    private readonly ConcurrentDictionary<string, StripeSession> byPayment = new(StringComparer.Ordinal);

    // Idempotency-Key: Stripe keeps keys for at least 24 hours.
    public IdempotencyStore Idempotency { get; } = new(time, TimeSpan.FromHours(24));

    public StripeSession Create(StripeSessionRequest request)
    {
        var session = new StripeSession(StripeIds.Session(), request, time.GetUtcNow());
        byId.TryAdd(session.Id, session);
        logger.Changed("Stripe", "Checkout Session", session.Id, "created");
        return session;
    }

    public StripeSession? Find(string id) => byId.Find(id);

    // By PaymentIntent id or Charge id.
    public StripeSession? FindByPayment(string id) => byPayment.GetValueOrDefault(id);

    public JsonObject Render(StripeSession session)
    {
        lock (session.Gate)
        {
            ExpireIfDue(session);
            return json.Session(session);
        }
    }

    // What Pay on the hosted page does. delayed: a payment method that settles later (the session
    // completes unpaid; Settle decides). Paying a completed session again changes nothing.
    public (StripeSession? Session, StripeFailure? Failure) Pay(string id, bool delayed) => Change<StripeSession>(id, session =>
        {
            ExpireIfDue(session);
            if (session.Status == StripeSession.Expired)
            {
                return (null, Conflict("session", $"Checkout Session {id} has expired and can no longer be paid."));
            }
            if (session.Status == StripeSession.Complete)
            {
                return (session, null);
            }
            var payment = new StripePayment(StripeIds.PaymentIntent(), StripeIds.Charge(), time.GetUtcNow()) { Succeeded = !delayed };
            session.Payment = payment;
            session.Status = StripeSession.Complete;
            session.PaymentStatus = delayed ? "unpaid" : "paid";
            byPayment[payment.PaymentIntentId] = session;
            byPayment[payment.ChargeId] = session;
            logger.Changed("Stripe", "Checkout Session", session.Id, $"completed: payment intent {payment.PaymentIntentId}, {session.PaymentStatus}");
            Publish("checkout.session.completed", json.Session(session));
            return (session, null);
        });

    // A delayed payment settles (checkout.session.async_payment_succeeded) or fails (…_failed).
    public (StripeSession? Session, StripeFailure? Failure) Settle(string id, bool succeeded) => Change<StripeSession>(id, session =>
        {
            if (session.Payment is not { Succeeded: false, Failed: false } payment)
            {
                return (null, Conflict("session", $"Checkout Session {id} has no payment waiting to settle."));
            }
            payment.Succeeded = succeeded;
            payment.Failed = !succeeded;
            session.PaymentStatus = succeeded ? "paid" : "unpaid";
            logger.Changed("Stripe", "Checkout Session", session.Id, succeeded ? "delayed payment succeeded" : "delayed payment failed");
            Publish(succeeded ? "checkout.session.async_payment_succeeded" : "checkout.session.async_payment_failed", json.Session(session));
            return (session, null);
        });

    public (StripeSession? Session, StripeFailure? Failure) Expire(string id, StripeRequestInfo? request = null) => Change<StripeSession>(id, session =>
        {
            if (session.Status != StripeSession.Open)
            {
                return (null, StripeErrors.Invalid("session", $"Only Checkout Sessions with a status in [\"open\"] can be expired. This session has status \"{session.Status}\"."));
            }
            ExpireLocked(session, request);
            return (session, null);
        });

    // POST /v1/refunds and the dashboard's refund: the rest of the charge when no amount is given.
    public (JsonObject? Refund, StripeFailure? Failure) Refund(
        StripeSession session, long? amount, string? reason, IReadOnlyDictionary<string, string> metadata, StripeRequestInfo? request)
    {
        lock (session.Gate)
        {
            if (session.Payment is not { Succeeded: true } payment)
            {
                return (null, StripeErrors.Invalid("payment_intent", $"This PaymentIntent ({session.Payment?.PaymentIntentId}) does not have a successful charge to refund.", "charge_not_refundable"));
            }
            var total = session.Request.AmountTotal;
            var remaining = total - payment.AmountRefunded;
            if (remaining <= 0)
            {
                return (null, StripeErrors.Invalid("charge", $"Charge {payment.ChargeId} has already been refunded.", "charge_already_refunded"));
            }
            if (payment.Dispute is not null)
            {
                return (null, StripeErrors.Invalid("charge", $"Charge {payment.ChargeId} has been charged back; cannot issue a refund.", "charge_disputed"));
            }
            var value = amount ?? remaining;
            if (value > remaining)
            {
                return (null, StripeErrors.Invalid("amount", $"Refund amount ({value}) is greater than unrefunded amount on charge ({remaining})", "amount_too_large"));
            }
            var refund = new StripeRefund(StripeIds.Refund(), value, reason, metadata, time.GetUtcNow());
            payment.Refunds.Add(refund);
            logger.Changed("Stripe", "payment intent", payment.PaymentIntentId, $"refund {refund.Id}, {payment.AmountRefunded} of {total} refunded");
            Publish("charge.refunded", StripeRepresentations.Charge(session, payment), request);
            return (StripeRepresentations.Refund(refund, session, payment), null);
        }
    }

    public (JsonObject? Refund, StripeFailure? Failure) GetRefund(string id)
    {
        foreach (var session in byId.All)
        {
            lock (session.Gate)
            {
                if (session.Payment?.Refunds.FirstOrDefault(r => r.Id == id) is { } refund)
                {
                    return (StripeRepresentations.Refund(refund, session, session.Payment), null);
                }
            }
        }
        return (null, StripeErrors.NoSuch("refund", id, "id"));
    }

    // Newest first, as Stripe lists.
    public static IReadOnlyList<JsonObject> Refunds(StripeSession? session)
    {
        if (session is null)
        {
            return [];
        }
        lock (session.Gate)
        {
            return session.Payment is { } payment
                ? [.. payment.Refunds.AsEnumerable().Reverse().Select(r => StripeRepresentations.Refund(r, session, payment))]
                : [];
        }
    }

    public (JsonObject? Dispute, StripeFailure? Failure) OpenDispute(string id) => Change<JsonObject>(id, session =>
        {
            if (session.Payment is not { Succeeded: true } payment)
            {
                return (null, Conflict("session", $"Checkout Session {id} has no successful charge to dispute."));
            }
            if (payment.Dispute is not null)
            {
                return (null, Conflict("charge", $"Charge {payment.ChargeId} already has a dispute."));
            }
            payment.Dispute = new StripeDispute(StripeIds.Dispute(), session.Request.AmountTotal - payment.AmountRefunded, time.GetUtcNow());
            logger.Changed("Stripe", "dispute", payment.Dispute.Id, $"on charge {payment.ChargeId} is {payment.Dispute.Status}");
            var dispute = StripeRepresentations.Dispute(payment.Dispute, session, payment);
            Publish("charge.dispute.created", dispute.DeepClone().AsObject());
            return (dispute, null);
        });

    public (JsonObject? Dispute, StripeFailure? Failure) CloseDispute(string id, string outcome) => Change<JsonObject>(id, session =>
        {
            if (session.Payment?.Dispute is not { Status: "needs_response" } open)
            {
                return (null, Conflict("dispute", $"Checkout Session {id} has no open dispute."));
            }
            open.Status = outcome;
            logger.Changed("Stripe", "dispute", open.Id, $"on charge {session.Payment.ChargeId} is {outcome}");
            var dispute = StripeRepresentations.Dispute(open, session, session.Payment);
            Publish("charge.dispute.closed", dispute.DeepClone().AsObject());
            return (dispute, null);
        });

    // Finds the session and runs the change under its lock.
    private (T?, StripeFailure?) Change<T>(string id, Func<StripeSession, (T?, StripeFailure?)> change)
        where T : class =>
        byId.With(id, change, () => (null, StripeErrors.NoSuch("checkout.session", id, "session")));

    // Stripe expires an open session at expires_at by itself; here that happens when it is next looked at.
    private void ExpireIfDue(StripeSession session)
    {
        if (session.Status == StripeSession.Open && time.GetUtcNow() >= session.Request.ExpiresAt)
        {
            ExpireLocked(session, null);
        }
    }

    private void ExpireLocked(StripeSession session, StripeRequestInfo? request)
    {
        session.Status = StripeSession.Expired;
        logger.Changed("Stripe", "Checkout Session", session.Id, "expired");
        Publish("checkout.session.expired", json.Session(session), request);
    }

    private void Publish(string type, JsonObject dataObject, StripeRequestInfo? request = null) =>
        outbox.Enqueue(profile.Event(type, dataObject, request));

    private static StripeFailure Conflict(string param, string message) =>
        new(StatusCodes.Status409Conflict, "invalid_request_error", "state_conflict", message, param);
}
