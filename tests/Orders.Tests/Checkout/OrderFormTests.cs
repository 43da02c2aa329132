using System.Net;
using System.Text.RegularExpressions;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Checkout;

public sealed partial class OrderFormTests
{
    [Fact]
    public async Task FormRenderedByOneInstanceIsAcceptedByAnother()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "orders-tests", Guid.NewGuid().ToString("N"));
        await using var first = new OrdersApp(dataDirectory);
        await using var second = new OrdersApp(dataDirectory, new() { ["Jobs:RunServer"] = "false" });

        using var form = await first.Http().GetAsync("/buy/PHOTOSHRINK-PRO");
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        var html = await form.Content.ReadAsStringAsync();
        var token = AntiforgeryField().Match(html).Groups[1].Value;
        var cookie = form.Headers.GetValues("Set-Cookie").First().Split(';')[0];

        using var post = new HttpRequestMessage(HttpMethod.Post, "/buy/PHOTOSHRINK-PRO")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = token,
                ["email"] = "ada@example.com",
                ["licenseeName"] = "Ada Lovelace",
                ["quantity"] = "1",
                ["provider"] = "paypal",
            }),
        };
        post.Headers.Add("Cookie", cookie);
        using var response = await second.Http().SendAsync(post);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Contains("/sandbox/paypal/checkoutnow?token=", response.Headers.Location!.ToString(), StringComparison.Ordinal);

        // The key ring both instances used lives in the shared database, not on one machine's disk.
        await using var connection = await second.Db.OpenAsync(CancellationToken.None);
        Assert.True(await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT COUNT(*) FROM data_protection_keys") >= 1);
    }

    [Fact]
    public async Task FormPostWithoutAntiforgeryTokenIsRefused()
    {
        await using var app = new OrdersApp();
        using var response = await app.Http().PostAsync("/buy/PHOTOSHRINK-PRO", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = "ada@example.com",
            ["licenseeName"] = "Ada",
            ["quantity"] = "1",
            ["provider"] = "paypal",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await using var connection = await app.Db.OpenAsync(CancellationToken.None);
        Assert.Equal(0L, await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT COUNT(*) FROM orders"));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
