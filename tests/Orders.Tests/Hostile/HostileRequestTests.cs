using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Hostile;

// Thousands of malformed, oversized, wrongly encoded, wrong-content-type and forged requests at
// every endpoint that takes input: never a 5xx, never a stored row for anything unverified, and
// the service is still healthy afterwards. ORDERS_HOSTILE_REQUESTS sets the count per endpoint.
public sealed class HostileRequestTests() : ServiceTest(new() { ["RateLimits:CheckoutPerMinute"] = "1000000", ["RateLimits:KeyRecoveryPerMinute"] = "1000000" })
{
    private static readonly int PerEndpoint = int.TryParse(Environment.GetEnvironmentVariable("ORDERS_HOSTILE_REQUESTS"), out var n) ? n : 300;

    [Fact]
    public async Task CheckoutSurvivesHostileBodies()
    {
        var input = new HostileInput(1001);
        var created = 0;
        await SendAsync(input, "checkout", async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/checkout");
            request.Content = input.Next(6) switch
            {
                0 => new ByteArrayContent(input.Bytes(400)),
                1 => new StringContent(new string('[', input.Next(5000)) + "1", Encoding.UTF8, "application/json"),
                2 => new StringContent("{\"sku\":" + new string('x', 20_000) + "}", Encoding.UTF8, "application/json"),
                3 => new StringContent("sku=PHOTOSHRINK-PRO&quantity=1", Encoding.UTF8, input.Pick("text/plain", "application/x-www-form-urlencoded", "application/xml")),
                _ => new StringContent(
                    $"{{\"sku\":{input.Pick("\"PHOTOSHRINK-PRO\"", input.JsonValue())},\"quantity\":{input.JsonValue()},\"email\":{input.JsonValue()},\"licenseeName\":{input.JsonValue()},\"provider\":{input.Pick("\"paypal\"", "\"avangate\"", input.JsonValue())}}}",
                    Encoding.UTF8, "application/json"),
            };
            if (request.Content is ByteArrayContent and not StringContent)
            {
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            }

            if (input.Chance(20))
            {
                request.Headers.TryAddWithoutValidation("Idempotency-Key", input.HeaderText());
            }

            var response = await shop.Http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                created++;
            }

            return response;
        });
        Assert.Equal(created, await shop.CountAsync("SELECT COUNT(*) FROM orders"));
    }

    [Fact]
    public async Task KeyRecoverySurvivesHostileBodies()
    {
        var input = new HostileInput(1004);
        await SendAsync(input, "key recovery", async () =>
        {
            var json = input.Next(5) != 0;
            using var request = new HttpRequestMessage(HttpMethod.Post, json ? "/api/licenses/recover" : "/licenses/recover");
            request.Content = input.Next(5) switch
            {
                0 => new ByteArrayContent(input.Bytes(400)),
                1 => new StringContent(new string('{', input.Next(5000)), Encoding.UTF8, "application/json"),
                2 => new StringContent("{\"email\":\"" + new string('a', 20_000) + "@example.com\"}", Encoding.UTF8, "application/json"),
                3 => new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = input.Text() }),
                _ => new StringContent($"{{\"email\":{input.JsonValue()}}}", Encoding.UTF8, input.Pick("application/json", "text/plain")),
            };
            return await shop.Http.SendAsync(request);
        });

        // Nobody bought anything: whatever was accepted, no e-mail.
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM deliveries"));
    }

    [Fact]
    public async Task PayPalWebhookSurvivesForgedAndMalformedDeliveries()
    {
        var input = new HostileInput(2002);
        var checkout = await shop.CheckoutAsync();
        var genuine = Encoding.UTF8.GetBytes(PayPalEventsFactory.CaptureEvent("PAYMENT.CAPTURE.COMPLETED", checkout.OrderNumber, checkout.PayPalOrderId, "CAPTURE000000HOST1", "49.00").ToJsonString());
        var signedHeaders = shop.Sign(genuine);
        await SendAsync(input, "paypal webhook", async () =>
        {
            var body = input.Next(4) switch
            {
                0 => input.Bytes(2000),
                1 => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(genuine).Replace("49.00", input.Pick("4.90", "490.00", "49.01"), StringComparison.Ordinal)),
                2 => Encoding.UTF8.GetBytes("{\"id\":" + input.JsonValue() + ",\"event_type\":" + input.JsonValue() + ",\"resource\":" + input.JsonValue() + "}"),
                _ => genuine,
            };
            var headers = new Dictionary<string, string>(signedHeaders);
            switch (input.Next(6))
            {
                case 0: headers.Clear(); break;
                case 1: headers["PAYPAL-TRANSMISSION-SIG"] = Convert.ToBase64String(input.Bytes(300)); break;
                case 2: headers["PAYPAL-CERT-URL"] = input.Pick("https://evil.example/cert.pem", "file:///etc/passwd", "http://169.254.169.254/", input.HeaderText()); break;
                case 3: headers["PAYPAL-TRANSMISSION-TIME"] = input.Pick("2001-01-01T00:00:00Z", "not a time", input.HeaderText()); break;
                case 4: headers["PAYPAL-AUTH-ALGO"] = input.Pick("SHA1withRSA", "none", input.HeaderText()); break;
                default: headers["PAYPAL-TRANSMISSION-ID"] = input.HeaderText(); break;
            }

            return await shop.PostWebhookAsync(body, headers);
        });
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox"));
        Assert.Equal("pending", (await shop.OrderAsync(checkout))!.Status);
    }

    [Fact]
    public async Task ResellerNotificationsSurviveForgedAndMalformedDeliveries()
    {
        var input = new HostileInput(3003);
        await SendAsync(input, "avangate ipn/lcn", async () =>
        {
            var path = input.Pick("/webhooks/avangate", "/webhooks/avangate/lcn");
            var form = string.Join('&', Enumerable.Range(0, input.Next(30)).Select(_ =>
                $"{Uri.EscapeDataString(input.Pick("REFNO", "REFNOEXT", "ORDERSTATUS", "IPN_PID[]", "HASH", "SIGNATURE_SHA2_256", "SIGNATURE_SHA3_256", "LICENSE_CODE", input.Text()))}={Uri.EscapeDataString(input.Text())}"));
            HttpContent content = input.Next(5) switch
            {
                0 => new ByteArrayContent(input.Bytes(2000)),
                1 => new StringContent(form, Encoding.UTF8, "application/json"),
                2 => new StringContent("%%%&&&===%ZZ&a=%E0%A4%A", Encoding.UTF8, "application/x-www-form-urlencoded"),
                _ => new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded"),
            };
            return await shop.Http.PostAsync(path, content);
        });
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox"));
    }

    [Fact]
    public async Task CustomerPagesAndLinksSurviveHostileParameters()
    {
        var input = new HostileInput(4004);
        var checkout = await shop.CheckoutAsync();
        await SendAsync(input, "status, return, cancel, buy", async () =>
        {
            var value = Uri.EscapeDataString(input.Text());
            var path = input.Next(6) switch
            {
                0 => $"/api/orders/{value}?token={Uri.EscapeDataString(input.Text())}",
                1 => $"/orders/{value}?token={value}",
                2 => $"/checkout/paypal/return?token={value}&st={Uri.EscapeDataString(input.Text())}",
                3 => $"/checkout/paypal/cancel?token={checkout.PayPalOrderId}&st={value}",
                4 => $"/buy/{value}",
                _ => $"/api/orders/{checkout.OrderNumber}?token={value}",
            };
            if (input.Chance(30))
            {
                return await shop.Http.PostAsync("/buy/" + input.Pick("PHOTOSHRINK-PRO", value), new StringContent(
                    $"email={value}&licenseeName={value}&quantity={value}&provider={value}", Encoding.UTF8, "application/x-www-form-urlencoded"));
            }

            var response = await shop.Http.GetAsync(path);
            if (response.Content.Headers.ContentType?.MediaType == "text/html")
            {
                // Nothing the visitor sent comes back unencoded.
                Assert.DoesNotContain("<script>alert(1)</script>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            return response;
        });
        Assert.Equal("pending", (await shop.OrderAsync(checkout))!.Status);
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM orders"));
    }

    private async Task SendAsync(HostileInput input, string endpoint, Func<Task<HttpResponseMessage>> send)
    {
        var statuses = new Dictionary<int, int>();
        for (var i = 0; i < PerEndpoint; i++)
        {
            using var response = await send();
            var code = (int)response.StatusCode;
            statuses[code] = statuses.GetValueOrDefault(code) + 1;
            Assert.True(code < 500, $"{endpoint}: request {i} (seed {input.Seed}) answered {code}: {await response.Content.ReadAsStringAsync()}");
        }

        TestContext.Current.SendDiagnosticMessage($"{endpoint}: {PerEndpoint} hostile requests, statuses {JsonSerializer.Serialize(statuses)}");
        using var ready = await shop.Http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }
}
