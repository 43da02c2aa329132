using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Orders.Api.Catalog;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Orders;
using Orders.Api.Payments;

namespace Orders.Api.Checkout;

internal abstract record CheckoutOutcome
{
    public sealed record Created(CheckoutResponse Response, bool Replayed) : CheckoutOutcome;

    public sealed record Invalid(Dictionary<string, string[]> Errors) : CheckoutOutcome;

    public sealed record KeyReused : CheckoutOutcome;

    public sealed record ProviderFailed(string Provider, bool Unavailable) : CheckoutOutcome; // Provider: the name shown to customers
}

// Starts a purchase: the provider's order is created first and our order row is written once, with
// everything in it, only when the provider has answered, so a failure leaves nothing half-made.
// An Idempotency-Key makes a repeat (a double click, a client retry) return the first order.
internal sealed partial class CheckoutService(
    Db db,
    ProductCatalog catalog,
    PaymentProviders providers,
    StatusTokens statusTokens,
    OrdersMetrics metrics,
    TimeProvider time,
    ILogger<CheckoutService> logger)
{
    private const string InsertOrderSql = """
        INSERT INTO orders (order_number, sku, product_name, quantity, unit_price_minor, currency, total_minor, email,
                            licensee_name, provider, provider_order_ref, redirect_url, status, status_token_hash, checkout_key_hash,
                            checkout_fingerprint, created_at, updated_at)
        VALUES (@OrderNumber, @Sku, @ProductName, @Quantity, @UnitPriceMinor, @Currency, @TotalMinor, @Email,
                @LicenseeName, @Provider, @ProviderOrderRef, @RedirectUrl, 'pending', @StatusTokenHash, @CheckoutKeyHash,
                @CheckoutFingerprint, @Now, @Now)
        """;

    private const string FindByKeySql = """
        SELECT order_number AS OrderNumber, status AS Status, provider AS Provider, provider_order_ref AS ProviderOrderRef,
               checkout_fingerprint AS Fingerprint, redirect_url AS RedirectUrl
        FROM orders WHERE checkout_key_hash = @KeyHash
        """;

    public async Task<CheckoutOutcome> StartAsync(CheckoutRequest request, string? idempotencyKey, Uri baseUri, CancellationToken ct)
    {
        var errors = CheckoutValidation.Validate(request, catalog, providers);
        if (idempotencyKey is not null && (idempotencyKey.Length is 0 or > 255 || idempotencyKey.Any(char.IsControl)))
        {
            errors["Idempotency-Key"] = ["The Idempotency-Key header must be 1 to 255 printable characters."];
        }

        if (errors.Count > 0)
        {
            return new CheckoutOutcome.Invalid(errors);
        }

        var fingerprint = CheckoutValidation.Fingerprint(request);
        var keyHash = idempotencyKey is null ? null : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)));
        if (keyHash is not null && await FindReplayAsync(keyHash, fingerprint, baseUri, ct) is { } earlier)
        {
            return earlier;
        }

        var product = catalog.Find(request.Sku)!;
        var provider = providers.Find(request.Provider)!;
        var quantity = request.Quantity!.Value;
        var orderNumber = OrderNumbers.New();
        var token = statusTokens.For(orderNumber);
        var statusUrl = new Uri(baseUri, StatusTokens.StatusPath(orderNumber, token));
        var returnQuery = $"?st={Uri.EscapeDataString(token)}";
        var cancelQuery = $"?order={Uri.EscapeDataString(orderNumber)}&st={Uri.EscapeDataString(token)}";

        StartedCheckout started;
        try
        {
            started = await provider.StartCheckoutAsync(new CheckoutStart(
                orderNumber, product.Sku, product.Name, quantity, product.PriceMinor, product.PriceMinor * quantity, product.Currency,
                new Uri(baseUri, $"/checkout/{provider.Name}/return{returnQuery}"),
                new Uri(baseUri, $"/checkout/{provider.Name}/cancel{cancelQuery}"),
                statusUrl,
                request.Email!.Trim(),
                string.IsNullOrWhiteSpace(request.LicenseeName) ? null : request.LicenseeName.Trim()), ct);
        }
        catch (PaymentProviderException e)
        {
            LogProviderFailed(logger, e.Provider, e.Unavailable, e.Message);
            return new CheckoutOutcome.ProviderFailed(provider.DisplayName, e.Unavailable);
        }

        var now = time.GetUtcNow().UtcDateTime;
        await using var connection = await db.OpenAsync(ct);
        try
        {
            using var turn = await db.WriteTurnAsync(WritePriority.Interactive, ct);
            await connection.ExecuteAsync(new CommandDefinition(InsertOrderSql, new
            {
                OrderNumber = orderNumber,
                product.Sku,
                ProductName = product.Name,
                Quantity = quantity,
                UnitPriceMinor = product.PriceMinor,
                product.Currency,
                TotalMinor = product.PriceMinor * quantity,
                Email = request.Email!.Trim(),
                LicenseeName = request.LicenseeName!.Trim(),
                Provider = provider.Name,
                started.ProviderOrderRef,
                RedirectUrl = started.RedirectUrl.AbsoluteUri,
                StatusTokenHash = StatusTokens.Hash(token),
                CheckoutKeyHash = keyHash,
                CheckoutFingerprint = keyHash is null ? null : fingerprint,
                Now = now,
            }, cancellationToken: ct));
        }
        catch (DbException e) when (Db.IsUniqueViolation(e) && keyHash is not null)
        {
            // A concurrent request with the same key won the race; answer with its order. The provider
            // order created above is never approved and simply expires at the provider.
            return await FindReplayAsync(keyHash, fingerprint, baseUri, ct) ?? throw new InvalidOperationException("Idempotency key conflict without an order.", e);
        }

        LogStarted(logger, orderNumber, provider.Name, product.Sku, quantity);
        metrics.CheckoutStarted(provider.Name);
        return new CheckoutOutcome.Created(new CheckoutResponse(orderNumber, OrderStatus.Pending, started.RedirectUrl.AbsoluteUri, statusUrl.PathAndQuery), Replayed: false);
    }

    private async Task<CheckoutOutcome?> FindReplayAsync(string keyHash, string fingerprint, Uri baseUri, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var existing = await connection.QuerySingleOrDefaultAsync<ReplayRow>(new CommandDefinition(FindByKeySql, new { KeyHash = keyHash }, cancellationToken: ct));
        if (existing is null)
        {
            return null;
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(existing.Fingerprint ?? ""), Encoding.ASCII.GetBytes(fingerprint)))
        {
            return new CheckoutOutcome.KeyReused();
        }

        var token = statusTokens.For(existing.OrderNumber);
        return new CheckoutOutcome.Created(
            new CheckoutResponse(existing.OrderNumber, existing.Status, existing.RedirectUrl ?? "", StatusTokens.StatusPath(existing.OrderNumber, token)),
            Replayed: true);
    }

    private sealed class ReplayRow
    {
        public string OrderNumber { get; init; } = "";
        public string Status { get; init; } = "";
        public string Provider { get; init; } = "";
        public string? ProviderOrderRef { get; init; }
        public string? Fingerprint { get; init; }
        public string? RedirectUrl { get; init; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Checkout started: order {OrderNumber} via {Provider}, {Sku} x {Quantity}")]
    private static partial void LogStarted(ILogger logger, string orderNumber, string provider, string sku, int quantity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkout via {Provider} failed (unavailable: {Unavailable}): {Reason}")]
    private static partial void LogProviderFailed(ILogger logger, string provider, bool unavailable, string reason);
}

internal static class OrderNumbers
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; // Crockford: no I, L, O, U

    // 12 random Crockford characters = 60 bits: safe to show a customer, not guessable.
    public static string New() => "ORD-" + RandomNumberGenerator.GetString(Alphabet, 12);
}
