using System.Net;
using System.Text;
using System.Web;
using MimeKit;
using Orders.Api.Payments.Avangate;
using Orders.Tests.Infrastructure;
using Orders.Tests.Support;

namespace Orders.Tests.Avangate;

// The reseller's cart asks for what the shop form already asked: the buy-link pre-fills it, and the
// status page says where the license goes whatever the customer types at the reseller.
public sealed class AvangateBuyLinkPrefillTests : ServiceTest
{
    private readonly AvangateShop reseller;

    public AvangateBuyLinkPrefillTests() => reseller = new AvangateShop(app, shop);

    [Fact]
    public async Task BuyLinkCarriesTheCustomersEmailAndNameAndLocksTheCartUnderAValidSignature()
    {
        var checkout = await reseller.CheckoutAsync(email: "ada@example.com", licenseeName: "Ada Lovelace");
        var query = HttpUtility.ParseQueryString(new Uri(checkout.RedirectUrl).Query);

        Assert.Equal("ada@example.com", query["email"]);
        Assert.Equal("Ada Lovelace", query["name"]);
        Assert.Equal("1", query["lock"]);
        // The sandbox checks the signature as the reseller does: the link opens.
        using var opened = await GetHtmlAsync(new Uri(checkout.RedirectUrl).PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        // lock is signed: a link unlocked on the way is refused.
        using var unlocked = await GetHtmlAsync(new Uri(checkout.RedirectUrl.Replace("lock=1", "lock=0", StringComparison.Ordinal)).PathAndQuery);
        Assert.Equal(HttpStatusCode.BadRequest, unlocked.StatusCode);
    }

    [Fact]
    public async Task ResellersCartShowsTheEmailAndNamePrefilledAndTheCartLocked()
    {
        var checkout = await reseller.CheckoutAsync(email: "ada@example.com", licenseeName: "Ada <b>Lovelace</b>");

        using var response = await GetHtmlAsync(new Uri(checkout.RedirectUrl).PathAndQuery);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Contains("name=\"email\" type=\"email\" required autocomplete=\"email\" maxlength=\"254\" value=\"ada@example.com\"", html, StringComparison.Ordinal);
        Assert.Contains("name=\"name\" type=\"text\" autocomplete=\"name\" maxlength=\"200\" value=\"Ada &lt;b&gt;Lovelace&lt;/b&gt;\"", html, StringComparison.Ordinal);
        Assert.Contains("data-locked", html, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"qty-0\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherAddressTypedAtTheResellerStillGetsTheLicenseSentToTheShopAddressAndTheStatusPageSaysSo()
    {
        var checkout = await reseller.CheckoutAsync(email: "ada@example.com");
        var refNo = await reseller.OpenCartAsync(checkout);
        using (var paid = await shop.Http.PostAsync($"/sandbox/avangate/orders/{refNo}/pay",
            new StringContent("email=someone.else%40example.org", Encoding.UTF8, "application/x-www-form-urlencoded")))
        {
            Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        }

        await shop.WaitForStatusAsync(checkout, "paid");
        var mail = await MimeMessage.LoadAsync(Assert.Single(await shop.WaitForMailsAsync(checkout.OrderNumber)));
        Assert.Equal("ada@example.com", Assert.Single(mail.To.Mailboxes).Address);
        using var page = await GetHtmlAsync(checkout.StatusUrl);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"license-recipient\">The license is sent to ada@example.com, the address you gave in our shop", html, StringComparison.Ordinal);
        Assert.DoesNotContain("someone.else", html, StringComparison.Ordinal);
        // The reseller's address is not kept anywhere.
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM orders WHERE email LIKE '%someone.else%'"));
    }

    [Fact]
    public async Task PendingStatusPageSaysWhereTheLicenseWillBeSent()
    {
        var checkout = await reseller.CheckoutAsync(email: "ada@example.com");

        using var page = await GetHtmlAsync(checkout.StatusUrl);
        var html = await page.Content.ReadAsStringAsync();

        Assert.Contains("data-testid=\"license-recipient\">Once the payment is confirmed, the license is sent to ada@example.com", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheBuyLinksPreFillIsNotKeptAfterAnErasureOrAnAddressCorrection()
    {
        var erased = await reseller.CheckoutAsync(email: "erase.me@example.com", licenseeName: "Erasable Person");
        var corrected = await reseller.CheckoutAsync(email: "typo@exmaple.com", licenseeName: "Corrected Person");
        await reseller.PayAsync(erased);
        await reseller.PayAsync(corrected);
        await shop.WaitForStatusAsync(erased, "paid");
        await shop.WaitForStatusAsync(corrected, "paid");
        using var admin = await SupportSession.AdminAsync(app);

        (await admin.PostJsonAsync("/api/support/customers/erase", new { email = "erase.me@example.com" })).Dispose();
        (await admin.PostJsonAsync($"/api/support/orders/{corrected.OrderNumber}/email", new { email = "right@example.com" })).Dispose();

        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM orders WHERE redirect_url LIKE '%erase.me%' OR redirect_url LIKE '%Erasable%'"));
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM orders WHERE redirect_url LIKE '%exmaple%'"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM orders WHERE email = 'right@example.com'"));
    }

    [Fact]
    public async Task UnlockedCartLetsTheShopperChangeTheQuantity()
    {
        var checkout = await reseller.CheckoutAsync(quantity: 1);
        var link = new Uri(checkout.RedirectUrl);
        var query = HttpUtility.ParseQueryString(link.Query);
        query.Remove("lock");
        query.Remove("signature");
        var pairs = query.AllKeys.Select(k => new KeyValuePair<string, string>(k!, query[k]!)).ToList();
        var signed = pairs.Where(p => p.Key is not ("merchant" or "dynamic" or "email" or "name")).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value);
        var signature = AvangateHash.Hmac(AvangateAlgorithm.Sha256, app.Service<AvangateSettings>().BuyLinkSecret, AvangateHash.LengthPrefixed(signed));
        var unlocked = link.AbsolutePath + "?" + string.Join('&', pairs.Append(new("signature", signature)).Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));

        using var page = await GetHtmlAsync(unlocked);
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("name=\"qty-0\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-locked", html, StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> GetHtmlAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html");
        return await shop.Http.SendAsync(request);
    }
}
