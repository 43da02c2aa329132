using Orders.Api.Data;

namespace Orders.Tests.Privacy;

public sealed class CardNumberGuardTests
{
    [Theory]
    [InlineData("4111111111111111")]
    [InlineData("4111 1111 1111 1111")]
    [InlineData("5555-5555-5555-4444")]
    [InlineData("card: 4111111111111111, exp 12/30")]
    [InlineData("Ada (4111-1111-1111-1111)")]
    [InlineData("378282246310005")]
    public void CardNumbersAreFound(string text) => Assert.True(CardNumberGuard.ContainsCardLikeNumber(text));

    [Theory]
    [InlineData("4111111111111112")]                            // fails the Luhn check
    [InlineData("411111111111")]                                // 12 digits
    [InlineData("41111111111111111111")]                        // 20 digits
    [InlineData("8MC4111111111111111K74H")]                     // a Luhn-valid run inside an identifier
    [InlineData("WH-2WR32451HC4111111-111111111FL4543714")]     // PayPal-style event id: a dash-joined run between letters
    [InlineData("pi_4111111111111111abc")]
    [InlineData("ORD-20261129-ABCD")]
    public void IdentifiersAndOtherNumbersAreNot(string text) => Assert.False(CardNumberGuard.ContainsCardLikeNumber(text));
}
