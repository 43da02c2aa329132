using System.Text;
using Orders.Api.Payments.PayPal;
using Orders.Api.PaymentEvents;

namespace Orders.Tests.Webhooks;

// The inbox's memory of recently stored events is bounded and forgets the oldest first; a repeat
// it has forgotten goes to the database as before (PayPalWebhookTests cover the repeats end to end).
// A PayPal repeat is looked up by the event's top-level id, read without parsing the rest.
public sealed class RecentlyStoredEventsTests
{
    [Fact]
    public void KeepsTheNewestEventsUpToItsCapacity()
    {
        var recent = new RecentlyStoredEvents(capacity: 2);
        recent.Add("paypal", "WH-1", 11);
        recent.Add("paypal", "WH-2", 12);
        recent.Add("paypal", "WH-3", 13);

        Assert.Equal(2, recent.Count);
        Assert.False(recent.TryGet("paypal", "WH-1", out _));
        Assert.True(recent.TryGet("paypal", "WH-2", out var second));
        Assert.Equal(12, second);
        Assert.True(recent.TryGet("paypal", "WH-3", out var third));
        Assert.Equal(13, third);
    }

    [Fact]
    public void AnEventAddedTwiceKeepsItsFirstInboxIdAndTakesOneSlot()
    {
        var recent = new RecentlyStoredEvents(capacity: 2);
        recent.Add("paypal", "WH-1", 11);
        recent.Add("paypal", "WH-1", 99);
        recent.Add("stripe", "WH-1", 21);

        Assert.Equal(2, recent.Count);
        Assert.True(recent.TryGet("paypal", "WH-1", out var paypal));
        Assert.Equal(11, paypal);
        Assert.True(recent.TryGet("stripe", "WH-1", out var stripe));
        Assert.Equal(21, stripe);
    }

    [Theory]
    [InlineData("""{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETED"}""", "WH-1")]
    [InlineData("""{"resource":{"id":"CAPTURE-9","links":[{"id":"x"}]},"id":"WH-\u0032"}""", "WH-2")]
    [InlineData("""{"event_type":"X","resource":{"id":"CAPTURE-9"}}""", null)]
    [InlineData("""{"id":42}""", null)]
    [InlineData("""{"id":""}""", null)]
    [InlineData("""["id","WH-1"]""", null)]
    [InlineData("""{"id" "WH-1"}""", null)]
    [InlineData("", null)]
    public void ARepeatIsRecognisedByTheEventsTopLevelIdOnly(string body, string? expected)
    {
        var found = PayPalEvents.TryPeekEventId(Encoding.UTF8.GetBytes(body), out var eventId);

        Assert.Equal(expected is not null, found);
        Assert.Equal(expected, found ? eventId : null);
    }
}
