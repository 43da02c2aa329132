using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Web;

namespace Orders.CrashHarness;

internal sealed record Product(string Sku);

// One customer's script, fixed up front from the seed; the outcome fields are filled in as it runs.
internal sealed class Purchase
{
    public required int Index { get; init; }
    public required string Sku { get; init; }
    public required int Quantity { get; init; }
    public required string Email { get; init; }
    public required string LicenseeName { get; init; }
    public required string IdempotencyKey { get; init; }
    public required bool WillApprove { get; init; }
    public required bool WillReturn { get; init; }
    public required bool GivesUpWhenUnanswered { get; init; }
    public required int ThinkMilliseconds { get; init; }

    public string? OrderNumber { get; set; }
    public string? PayPalOrderId { get; set; }
    public bool CheckoutInterrupted { get; set; }
    public bool GaveUp { get; set; }
    public bool Approved { get; set; }
    public bool Returned { get; set; }
}

// What customers do, over HTTP: start a checkout at the service, pay at the sandbox, and maybe come
// back to the service. A request the dead service never answered is tried again once it is back,
// with the same Idempotency-Key, exactly as a browser retry would be.
internal sealed class Customers(HttpClient service, PayPalSandbox sandbox, TextWriter? progress)
{
    // The service is down for seconds per kill; a step failing for this long means it is not coming back.
    private static readonly TimeSpan StepPatience = TimeSpan.FromMinutes(3);

    private int serverErrors;

    public int ServerErrors => serverErrors;

    public async Task BuyAsync(Purchase purchase, CancellationToken ct)
    {
        if (!await CheckoutAsync(purchase, ct))
        {
            return;
        }

        if (!purchase.WillApprove)
        {
            return;
        }

        await Task.Delay(purchase.ThinkMilliseconds, ct);
        var returnUrl = await sandbox.ApproveAsync(purchase.PayPalOrderId!, ct);
        purchase.Approved = true;
        if (purchase.WillReturn)
        {
            await Task.Delay(purchase.ThinkMilliseconds, ct);
            await ReturnAsync(purchase, returnUrl, ct);
        }
    }

    private async Task<bool> CheckoutAsync(Purchase purchase, CancellationToken ct)
    {
        var body = new
        {
            sku = purchase.Sku,
            quantity = purchase.Quantity,
            email = purchase.Email,
            licenseeName = purchase.LicenseeName,
            provider = "paypal",
        };
        using var response = await SendAsync(purchase, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/checkout") { Content = JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", purchase.IdempotencyKey);
            return request;
        }, mayGiveUp: true, ct);
        if (response is null)
        {
            purchase.GaveUp = true;
            return false;
        }

        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new HarnessException($"Checkout {purchase.Index} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        purchase.OrderNumber = json.RootElement.GetProperty("orderNumber").GetString();
        var redirect = new Uri(json.RootElement.GetProperty("redirectUrl").GetString()!);
        purchase.PayPalOrderId = HttpUtility.ParseQueryString(redirect.Query)["token"]
            ?? throw new HarnessException($"Checkout {purchase.Index}: no PayPal order id (token) in {redirect}");
        return true;
    }

    private async Task ReturnAsync(Purchase purchase, Uri returnUrl, CancellationToken ct)
    {
        using var response = await SendAsync(purchase, () => new HttpRequestMessage(HttpMethod.Get, returnUrl.PathAndQuery), mayGiveUp: false, ct);
        if (response!.StatusCode != HttpStatusCode.SeeOther)
        {
            throw new HarnessException($"Return of purchase {purchase.Index} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }

        purchase.Returned = true;
    }

    // null: the customer gave up after the service did not answer.
    private async Task<HttpResponseMessage?> SendAsync(Purchase purchase, Func<HttpRequestMessage> create, bool mayGiveUp, CancellationToken ct)
    {
        var giveUpAt = DateTime.UtcNow + StepPatience;
        while (true)
        {
            using var request = create();
            // A connection per request, so the balancer spreads every step over the instances.
            request.Headers.ConnectionClose = true;
            HttpResponseMessage? response = null;
            try
            {
                response = await service.SendAsync(request, ct);
                if ((int)response.StatusCode < 500)
                {
                    return response;
                }

                // Answers while the service is starting or stopping; a 500 would be a bug worth a look.
                Interlocked.Increment(ref serverErrors);
                progress?.WriteLine($"  purchase {purchase.Index}: {request.Method} {request.RequestUri} answered {(int)response.StatusCode}; retrying");
                response.Dispose();
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or IOException or TaskCanceledException)
            {
                response?.Dispose();
                if (request.Method == HttpMethod.Post)
                {
                    purchase.CheckoutInterrupted = true;
                    if (mayGiveUp && purchase.GivesUpWhenUnanswered)
                    {
                        return null;
                    }
                }
            }

            if (DateTime.UtcNow > giveUpAt)
            {
                throw new HarnessException($"Purchase {purchase.Index}: the service did not answer {request.Method} {request.RequestUri} for {StepPatience}.");
            }

            await Task.Delay(250, ct);
        }
    }
}
