using System.Globalization;
using System.Net.Mail;

namespace Orders.Sandbox.Stripe;

// Checks a POST /v1/checkout/sessions as Stripe does, for the parameters a one-off hosted payment
// uses (PROVIDERS.md 3.1). Anything else is refused by name rather than silently ignored.
internal static class StripeSessionValidator
{
    public const long MaxAmount = 99_999_999;

    private static readonly TimeSpan MinLifetime = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(24);

    // Clocks of two processes on one machine may differ a little.
    private static readonly TimeSpan Slack = TimeSpan.FromMinutes(1);

    // Accepted and ignored: they change the page's look, not what is paid.
    private static readonly HashSet<string> Known =
    [
        "mode", "line_items", "success_url", "cancel_url", "client_reference_id", "metadata", "payment_intent_data", "customer_email", "expires_at", "currency",
        "locale", "submit_type", "billing_address_collection", "allow_promotion_codes", "payment_method_types", "expand", "ui_mode",
    ];

    public static (StripeSessionRequest? Request, StripeFailure? Failure) Validate(StripeParams form, DateTimeOffset now)
    {
        var mode = Text(form, "mode");
        var (items, currency, itemFailure) = mode == "payment" ? LineItems(form) : ([], null, null);
        var total = items.Sum(i => i.UnitAmount * i.Quantity);
        var successUrl = Text(form, "success_url");
        var cancelUrl = Text(form, "cancel_url");
        var clientReferenceId = Text(form, "client_reference_id");
        var email = Text(form, "customer_email");
        var expires = Text(form, "expires_at");
        var expiresAt = expires is null ? now + MaxLifetime
            : long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var unix) && unix <= 253402300799 ? DateTimeOffset.FromUnixTimeSeconds(unix)
            : (DateTimeOffset?)null;
        var (metadata, metadataFailure) = Metadata(form["metadata"], "metadata");
        var intent = form["payment_intent_data"];
        var (intentMetadata, intentFailure) = Metadata(intent?["metadata"], "payment_intent_data[metadata]");

        var failure = form.Names.FirstOrDefault(n => !Known.Contains(n)) is { } unknown ? StripeErrors.Unknown(unknown)
            : form["ui_mode"] is { } ui && ui.Value != "hosted" ? StripeErrors.Invalid("ui_mode", "The local sandbox only offers the hosted payment page (ui_mode=hosted).")
            : mode is null ? StripeErrors.Missing("mode")
            : mode is not ("payment" or "setup" or "subscription") ? StripeErrors.Invalid("mode", "Invalid mode: must be one of payment, setup, or subscription")
            : mode != "payment" ? StripeErrors.Invalid("mode", "The local sandbox only supports mode=payment.")
            : itemFailure
            ?? (Text(form, "currency") is { } declared && declared != currency ? StripeErrors.Invalid("currency", "The currency must match the currency of the line items.")
            : total > MaxAmount ? StripeErrors.Invalid("line_items", $"The total amount must be no more than {MaxAmount} in the smallest currency unit.", "amount_too_large")
            : !IsUrl(successUrl) ? StripeErrors.Invalid("success_url", "Not a valid URL", "url_invalid")
            : !IsUrl(cancelUrl) ? StripeErrors.Invalid("cancel_url", "Not a valid URL", "url_invalid")
            : clientReferenceId is { Length: > 200 } ? StripeErrors.Invalid("client_reference_id", "Invalid string: must be at most 200 characters", "string_too_long")
            : email is not null && !(email.Length <= 800 && MailAddress.TryCreate(email, out var address) && address.Address == email)
                ? StripeErrors.Invalid("customer_email", $"Invalid email address: {email}", "email_invalid")
            : expiresAt is null ? StripeErrors.InvalidInteger("expires_at", expires!)
            : expiresAt < now + MinLifetime - Slack ? StripeErrors.Invalid("expires_at", "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.")
            : expiresAt > now + MaxLifetime + Slack ? StripeErrors.Invalid("expires_at", "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.")
            : metadataFailure
            ?? (intent is { IsMap: false } ? StripeErrors.Invalid("payment_intent_data", "Invalid object")
            : intent?.Names.FirstOrDefault(n => n is not ("metadata" or "description")) is { } unknownIntent ? StripeErrors.Unknown($"payment_intent_data[{unknownIntent}]")
            : intentFailure));

        return failure is not null
            ? (null, failure)
            : (new StripeSessionRequest(currency!, items, successUrl, cancelUrl, clientReferenceId, email, expiresAt!.Value,
                metadata!, intentMetadata!, intent is null ? null : Text(intent, "description")), null);
    }

    private static (List<StripeLineItem> Items, string? Currency, StripeFailure? Failure) LineItems(StripeParams form)
    {
        var list = form["line_items"]?.Items();
        if (list is not { Count: > 0 and <= 100 })
        {
            return ([], null, form["line_items"] is null ? StripeErrors.Missing("line_items")
                : list is null or [] ? StripeErrors.Invalid("line_items", "Invalid array")
                : StripeErrors.Invalid("line_items", "You may only specify up to 100 line items."));
        }
        List<StripeLineItem> items = [];
        string? currency = null;
        for (var i = 0; i < list.Count; i++)
        {
            var (item, at) = (list[i], $"line_items[{i}]");
            var (data, product) = (item["price_data"], item["price_data"]?["product_data"]);
            var quantity = Text(item, "quantity");
            var itemCurrency = data is null ? null : Text(data, "currency");
            var amount = data is null ? null : Text(data, "unit_amount");
            var name = product is null ? null : Text(product, "name");
            var count = long.TryParse(quantity, NumberStyles.None, CultureInfo.InvariantCulture, out var parsedCount) ? parsedCount : 0;
            var unitAmount = long.TryParse(amount, NumberStyles.None, CultureInfo.InvariantCulture, out var parsedAmount) ? parsedAmount : -1;
            var failure = !item.IsMap ? StripeErrors.Invalid(at, "Invalid object")
                : item.Names.FirstOrDefault(n => n is not ("price" or "price_data" or "quantity")) is { } unknown ? StripeErrors.Unknown($"{at}[{unknown}]")
                : Text(item, "price") is { } price ? StripeErrors.NoSuch("price", price, $"{at}[price]") with { StatusCode = StatusCodes.Status400BadRequest }
                : quantity is null ? StripeErrors.Missing($"{at}[quantity]")
                : count is < 1 or > 999_999 ? StripeErrors.InvalidInteger($"{at}[quantity]", quantity)
                : data is not { IsMap: true } ? StripeErrors.Missing($"{at}[price_data]")
                : data.Names.FirstOrDefault(n => n is not ("currency" or "unit_amount" or "product_data")) is { } unknownData ? StripeErrors.Unknown($"{at}[price_data][{unknownData}]")
                : itemCurrency is null ? StripeErrors.Missing($"{at}[price_data][currency]")
                : itemCurrency.Length != 3 || !itemCurrency.All(char.IsAsciiLetterLower)
                    ? StripeErrors.Invalid($"{at}[price_data][currency]", $"Invalid currency: {itemCurrency}. Stripe currently supports these currencies: usd, eur, …")
                : currency is not null && currency != itemCurrency ? StripeErrors.Invalid($"{at}[price_data][currency]", "All line items must use the same currency.")
                : amount is null ? StripeErrors.Missing($"{at}[price_data][unit_amount]")
                : unitAmount is < 0 or > MaxAmount ? StripeErrors.InvalidInteger($"{at}[price_data][unit_amount]", amount)
                : product is not { IsMap: true } ? StripeErrors.Missing($"{at}[price_data][product_data]")
                : product.Names.FirstOrDefault(n => n is not ("name" or "description" or "metadata")) is { } unknownProduct ? StripeErrors.Unknown($"{at}[price_data][product_data][{unknownProduct}]")
                : string.IsNullOrWhiteSpace(name) ? StripeErrors.Missing($"{at}[price_data][product_data][name]")
                : Metadata(product["metadata"], $"{at}[price_data][product_data][metadata]").Failure;
            if (failure is not null)
            {
                return ([], null, failure);
            }
            currency = itemCurrency;
            items.Add(new StripeLineItem(name!, Text(product!, "description"), unitAmount, count));
        }
        return (items, currency, null);
    }

    // Stripe's metadata limits: 50 keys, keys up to 40 characters, values up to 500. An empty value clears it.
    private static (IReadOnlyDictionary<string, string>? Metadata, StripeFailure? Failure) Metadata(StripeParams? node, string param)
    {
        if (node is null || (!node.IsMap && node.Value == ""))
        {
            return (new Dictionary<string, string>(), null);
        }
        var names = node.IsMap ? node.Names.ToList() : [];
        var failure = !node.IsMap ? StripeErrors.Invalid(param, "Invalid object")
            : names.FirstOrDefault(k => node[k]!.IsMap) is { } nested ? StripeErrors.Invalid($"{param}[{nested}]", "Metadata values must be strings.")
            : names.FirstOrDefault(k => k.Length > 40) is { } longKey ? StripeErrors.Invalid($"{param}[{longKey}]", "Metadata keys can have up to 40 characters.")
            : names.FirstOrDefault(k => node[k]!.Value!.Length > 500) is { } longValue ? StripeErrors.Invalid($"{param}[{longValue}]", "Metadata values can have up to 500 characters.")
            : names.Count > 50 ? StripeErrors.Invalid(param, "You can specify up to 50 keys.")
            : null;
        return failure is null ? (names.ToDictionary(k => k, k => node[k]!.Value!, StringComparer.Ordinal), null) : (null, failure);
    }

    private static bool IsUrl(string? url) => url is null
        || (url.Length <= 5000 && Uri.TryCreate(url.Replace("{CHECKOUT_SESSION_ID}", "x", StringComparison.Ordinal), UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps));

    public static string? Text(StripeParams node, string name) =>
        node[name] is { IsMap: false, Value: { Length: > 0 } value } ? value : null;
}
