using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Checkout;

public sealed partial class LicenseeNameTests : ServiceTest
{
    public static TheoryData<string> DirectionMarks() =>
        ["\u061C", "\u200E", "\u200F", "\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069"];

    [Theory]
    [MemberData(nameof(DirectionMarks))]
    public async Task LicenseeNameWithATextDirectionMarkIsRefusedOnTheField(string mark)
    {
        using var response = await shop.PostCheckoutAsync(new { sku = "PHOTOSHRINK-PRO", quantity = 1, email = "ada@example.com", licenseeName = $"Ada {mark}ecalevoL", provider = "paypal" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.ReadAsync<JsonElement>()).GetProperty("errors");
        Assert.Contains("text-direction", errors.GetProperty("licenseeName")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM orders"));
    }

    [Fact]
    public async Task LicenseeNameWithAControlCharacterIsRefusedOnTheField()
    {
        using var response = await shop.PostCheckoutAsync(new { sku = "PHOTOSHRINK-PRO", quantity = 1, email = "ada@example.com", licenseeName = "Ada\u0007Lovelace", provider = "paypal" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadAsync<JsonElement>()).GetProperty("errors");
        Assert.Contains("control characters", errors.GetProperty("licenseeName")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NamesThatNeedAJoinerAreStillAccepted()
    {
        // Persian writes some names with a zero-width non-joiner (U+200C): it is not a direction mark.
        using var response = await shop.PostCheckoutAsync(new { sku = "PHOTOSHRINK-PRO", quantity = 1, email = "ada@example.com", licenseeName = "\u0645\u06CC\u200C\u0646\u0627", provider = "paypal" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task StorefrontFormShowsTheDirectionMarkErrorAndCreatesNoOrder()
    {
        using var form = await shop.Http.GetAsync("/buy/PHOTOSHRINK-PRO");
        var token = AntiforgeryField().Match(await form.Content.ReadAsStringAsync()).Groups[1].Value;
        var cookie = form.Headers.GetValues("Set-Cookie").First().Split(';')[0];

        using var post = new HttpRequestMessage(HttpMethod.Post, "/buy/PHOTOSHRINK-PRO")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = token,
                ["email"] = "ada@example.com",
                ["licenseeName"] = "Ada \u202Eecalevol",
                ["quantity"] = "1",
                ["provider"] = "paypal",
            }),
        };
        post.Headers.Add("Cookie", cookie);
        using var response = await shop.Http.SendAsync(post);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("cannot contain control characters or text-direction marks", html, StringComparison.Ordinal);
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM orders"));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
