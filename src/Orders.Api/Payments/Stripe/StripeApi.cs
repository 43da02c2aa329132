using System.Net;
using System.Net.Sockets;
using Stripe;

namespace Orders.Api.Payments.Stripe;

// Stripe.net over an HttpClient from the factory. Stripe.net retries itself (2 network retries,
// honouring Stripe-Should-Retry), and every POST carries an Idempotency-Key, so its retries and our
// own re-runs are safe. Failures become PaymentProviderException: 5xx, 429 and no answer are
// "unavailable", any other error is Stripe saying no.
internal sealed partial class StripeApi(StripeSettings settings, IHttpClientFactory httpClients, ILogger<StripeApi> logger)
{
    public const string HttpClientName = "stripe";

    public async Task<T> CallAsync<T>(string operation, Func<StripeClient, Task<T>> call, CancellationToken ct)
    {
        var client = new StripeClient(new StripeClientOptions
        {
            ApiKey = settings.SecretKey,
            ApiBase = settings.ApiBase,
            HttpClient = new SystemNetHttpClient(httpClients.CreateClient(HttpClientName), maxNetworkRetries: 2, appInfo: null, enableTelemetry: false),
        });
        try
        {
            return await call(client);
        }
        catch (StripeException e)
        {
            var status = (int)e.HttpStatusCode;
            LogApiError(logger, operation, status, e.StripeError?.Type, e.StripeError?.Code, e.StripeResponse?.RequestId);
            var unavailable = status is 0 or 429 or >= 500;
            throw new PaymentProviderException(StripeEvents.ProviderName, unavailable,
                $"Stripe answered {status} {e.StripeError?.Type} {e.StripeError?.Code}".TrimEnd(), e);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException || e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            throw new PaymentProviderException(StripeEvents.ProviderName, unavailable: true, "Stripe could not be reached.", e);
        }
        catch (HttpRequestException e)
        {
            throw new PaymentProviderException(StripeEvents.ProviderName, unavailable: true, "Stripe's answer could not be read.", e);
        }
        catch (Exception e) when (e is TimeoutException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new PaymentProviderException(StripeEvents.ProviderName, unavailable: true, "Stripe did not answer in time.", e);
        }
    }

    public static bool IsRefusal(PaymentProviderException e, HttpStatusCode? status = null) =>
        e.InnerException is StripeException stripe && (int)stripe.HttpStatusCode is >= 400 and < 500 and not 429
        && (status is null || stripe.HttpStatusCode == status);

    public static string? ErrorCode(PaymentProviderException e) =>
        e.InnerException is StripeException stripe ? stripe.StripeError?.Code ?? stripe.StripeError?.Type : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stripe {Operation} answered {StatusCode} {ErrorType} {ErrorCode} (request {RequestId})")]
    private static partial void LogApiError(ILogger logger, string operation, int statusCode, string? errorType, string? errorCode, string? requestId);
}
