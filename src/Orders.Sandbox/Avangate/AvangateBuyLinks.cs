using System.Collections.Frozen;
using System.Globalization;

namespace Orders.Sandbox.Avangate;

internal sealed record BuyLinkItem(string Name, string? ExternalReference, string Type, int Quantity, decimal UnitPrice);

internal sealed record BuyLink(
    string OrderExternalReference,
    string Signature,
    string Currency,
    IReadOnlyList<BuyLinkItem> Items,
    string? ReturnUrl,
    string ReturnType,
    string? CustomerExternalReference,
    string? PrefillEmail,
    string? CustomerName,
    bool Locked)
{
    // Opening the same link twice reuses the cart.
    public string CartKey => OrderExternalReference + "\n" + Signature.ToLowerInvariant();

    public decimal Total => Items.Sum(i => i.UnitPrice * i.Quantity);
}

internal sealed record BuyLinkError(string Code, string Message);

// ConvertPlus dynamic-product buy links (PROVIDERS.md 2.7): the signature is
// hex(HMAC-SHA256(Buy-Link Secret Word, <len><value> of the signed parameters present, sorted by name)).
internal static class AvangateBuyLinks
{
    public const int MaxQuantity = 9999;
    public const int MaxItems = 20;

    // Signed when present. merchant, dynamic, the billing pre-fill (email, name), tpl and signature itself are not.
    private static readonly FrozenSet<string> Signed = FrozenSet.Create(StringComparer.Ordinal,
        "return-url", "return-type", "expiration", "order-ext-ref", "customer-ref", "customer-ext-ref", "lock",
        "currency", "prod", "price", "qty", "tangible", "type", "opt", "description", "recurrence", "duration",
        "renewal-price", "item-ext-ref", "coupon");

    public static string Sign(IEnumerable<KeyValuePair<string, string>> parameters, string secret) =>
        AvangateHash.Hex(AvangateAlgorithm.Sha256, secret, AvangateHash.Source(SignedValues(parameters)));

    public static (BuyLink? Link, BuyLinkError? Error) Validate(
        IReadOnlyList<KeyValuePair<string, string>> parameters, AvangateSandboxOptions options, DateTimeOffset now)
    {
        if (parameters.GroupBy(p => p.Key, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } repeated)
        {
            return Fail("DUPLICATE_PARAMETER", $"The parameter '{repeated.Key}' appears more than once.");
        }
        var query = parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        if (!query.TryGetValue("merchant", out var merchant) || merchant != options.MerchantCode)
        {
            return Fail("UNKNOWN_MERCHANT", "This link does not belong to a known merchant.");
        }
        if (!query.TryGetValue("signature", out var signature) || !IsValidSignature(parameters, signature, options.BuyLinkSecret))
        {
            return Fail("INVALID_SIGNATURE", "The link's signature does not match its contents: it was changed or not signed by the merchant.");
        }
        if (query.TryGetValue("expiration", out var expiration))
        {
            if (!long.TryParse(expiration, NumberStyles.None, CultureInfo.InvariantCulture, out var expiresAt))
            {
                return Fail("INVALID_PARAMETER", "expiration must be a UTC Unix timestamp.");
            }
            if (expiresAt <= now.ToUnixTimeSeconds())
            {
                return Fail("LINK_EXPIRED", "This link has expired. Go back to the merchant's site to start again.");
            }
        }
        return Read(query);
    }

    private static (BuyLink?, BuyLinkError?) Read(Dictionary<string, string> query)
    {
        var missing = ((string[])["prod", "price", "currency", "order-ext-ref"]).FirstOrDefault(r => string.IsNullOrWhiteSpace(query.GetValueOrDefault(r)));
        var currency = query.GetValueOrDefault("currency") ?? "";
        var returnUrl = query.GetValueOrDefault("return-url");
        var returnType = query.GetValueOrDefault("return-type") ?? "redirect";
        var (items, itemError) = missing is null && AvangateMoney.IsCurrencyCode(currency) ? ReadItems(query, currency) : ([], null);
        var error = query.GetValueOrDefault("dynamic") != "1" ? Error("INVALID_PARAMETER", "Only dynamic products are sold here: set dynamic=1.")
            : missing is not null ? Error("MISSING_PARAMETER", $"The link has no {missing}.")
            : !AvangateMoney.IsCurrencyCode(currency) ? Error("INVALID_PARAMETER", "currency must be an ISO 4217 code in capitals, e.g. USD.")
            : query["order-ext-ref"].Length > 100 ? Error("INVALID_PARAMETER", "order-ext-ref must be at most 100 characters.")
            : itemError
            ?? (returnUrl is not null && !(Uri.TryCreate(returnUrl, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
                ? Error("INVALID_PARAMETER", "return-url must be an absolute http(s) URL.")
            : returnType is not ("redirect" or "link") ? Error("INVALID_PARAMETER", "return-type must be redirect or link.")
            : query.GetValueOrDefault("lock") is not (null or "0" or "1") ? Error("INVALID_PARAMETER", "lock must be 0 or 1.")
            : null);
        return error is not null
            ? (null, error)
            : (new BuyLink(query["order-ext-ref"], query["signature"], currency, items, returnUrl, returnType, NullIfEmpty(query.GetValueOrDefault("customer-ext-ref")),
                NullIfEmpty(query.GetValueOrDefault("email")?.Trim()), NullIfEmpty(query.GetValueOrDefault("name")?.Trim()), query.GetValueOrDefault("lock") == "1"), null);
    }

    // Several products are separated by ';' in prod, price, qty, type and item-ext-ref.
    private static (List<BuyLinkItem> Items, BuyLinkError? Error) ReadItems(Dictionary<string, string> query, string currency)
    {
        var names = query["prod"].Split(';');
        var prices = query["price"].Split(';');
        var quantities = query.GetValueOrDefault("qty")?.Split(';');
        var references = query.GetValueOrDefault("item-ext-ref")?.Split(';');
        var types = query.GetValueOrDefault("type")?.Split(';');
        if (names.Length > MaxItems)
        {
            return ([], Error("INVALID_PARAMETER", $"A link may hold at most {MaxItems} products."));
        }
        if (prices.Length != names.Length || (quantities ?? names).Length != names.Length || (references ?? names).Length != names.Length
            || (types is not null && types.Length != names.Length && types.Length != 1))
        {
            return ([], Error("INVALID_PARAMETER", "prod, price, qty and item-ext-ref must list one value per product."));
        }
        List<BuyLinkItem> items = [];
        for (var i = 0; i < names.Length; i++)
        {
            var name = names[i].Trim();
            var quantity = quantities is null ? 1 : int.TryParse(quantities[i], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
            var reference = references is null ? null : NullIfEmpty(references[i]);
            var price = AvangateMoney.TryParse(prices[i], currency, out var parsedPrice) ? parsedPrice : 0;
            var error = name.Length is 0 or > 255 ? Error("INVALID_PARAMETER", "Every product needs a name of at most 255 characters.")
                : price <= 0 || price > AvangateMoney.MaxUnitPrice
                    ? Error("INVALID_PARAMETER", $"price must be a positive amount with at most {AvangateMoney.Decimals(currency)} decimals for {currency}.")
                : quantity is < 1 or > MaxQuantity ? Error("INVALID_PARAMETER", $"qty must be a whole number from 1 to {MaxQuantity}.")
                : reference is { Length: > 100 } ? Error("INVALID_PARAMETER", "item-ext-ref must be at most 100 characters per product.")
                : null;
            if (error is not null)
            {
                return ([], error);
            }
            items.Add(new BuyLinkItem(name, reference, types is null ? "digital" : types[types.Length == 1 ? 0 : i], quantity, price));
        }
        return (items, null);
    }

    private static bool IsValidSignature(IReadOnlyList<KeyValuePair<string, string>> parameters, string signature, string secret)
    {
        var values = SignedValues(parameters).ToList();
        if (AvangateHash.Matches(AvangateAlgorithm.Sha256, secret, AvangateHash.Source(values), signature))
        {
            return true;
        }
        // Whether lengths count bytes or characters is not documented; accept either for non-ASCII values.
        return values.Any(v => !v.All(char.IsAscii))
            && AvangateHash.Matches(AvangateAlgorithm.Sha256, secret, AvangateHash.Source(values, countChars: true), signature);
    }

    private static IEnumerable<string> SignedValues(IEnumerable<KeyValuePair<string, string>> parameters) => parameters
        .Where(p => Signed.Contains(p.Key))
        .OrderBy(p => p.Key, StringComparer.Ordinal)
        .Select(p => p.Value);

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static (BuyLink?, BuyLinkError?) Fail(string code, string message) => (null, Error(code, message));

    private static BuyLinkError Error(string code, string message) => new(code, message);
}
