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
    private static readonly HashSet<string> Cosmetic = ["locale", "submit_type", "billing_address_collection", "allow_promotion_codes", "payment_method_types", "expand", "ui_mode"];

    private static readonly HashSet<string> Known =
        ["mode", "line_items", "success_url", "cancel_url", "client_reference_id", "metadata", "payment_intent_data", "customer_email", "expires_at", "currency", .. Cosmetic];

    public static (StripeSessionRequest? Request, StripeFailure? Failure) Validate(StripeParams form, DateTimeOffset now)
    {
        if (form.Names.FirstOrDefault(n => !Known.Contains(n)) is { } unknown)
        {
            return Fail(StripeErrors.Unknown(unknown));
        }
        if (form["ui_mode"] is { } uiMode && uiMode.Value != "hosted")
        {
            return Fail(StripeErrors.Invalid("ui_mode", "The local sandbox only offers the hosted payment page (ui_mode=hosted)."));
        }
        var mode = Text(form, "mode");
        if (mode is null)
        {
            return Fail(StripeErrors.Missing("mode"));
        }
        if (mode is not ("payment" or "setup" or "subscription"))
        {
            return Fail(StripeErrors.Invalid("mode", $"Invalid mode: must be one of payment, setup, or subscription"));
        }
        if (mode != "payment")
        {
            return Fail(StripeErrors.Invalid("mode", "The local sandbox only supports mode=payment."));
        }

        var (items, currency, itemFailure) = LineItems(form);
        if (itemFailure is not null)
        {
            return Fail(itemFailure);
        }
        if (Text(form, "currency") is { } declared && declared != currency)
        {
            return Fail(StripeErrors.Invalid("currency", "The currency must match the currency of the line items."));
        }
        var total = items!.Sum(i => i.UnitAmount * i.Quantity);
        if (total > MaxAmount)
        {
            return Fail(StripeErrors.Invalid("line_items", $"The total amount must be no more than {MaxAmount} in the smallest currency unit.", "amount_too_large"));
        }

        var successUrl = Text(form, "success_url");
        var cancelUrl = Text(form, "cancel_url");
        foreach (var (name, url) in new[] { ("success_url", successUrl), ("cancel_url", cancelUrl) })
        {
            if (url is not null && (!Uri.TryCreate(url.Replace("{CHECKOUT_SESSION_ID}", "x", StringComparison.Ordinal), UriKind.Absolute, out var uri)
                || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || url.Length > 5000))
            {
                return Fail(StripeErrors.Invalid(name, "Not a valid URL", "url_invalid"));
            }
        }

        var clientReferenceId = Text(form, "client_reference_id");
        if (clientReferenceId is { Length: > 200 })
        {
            return Fail(StripeErrors.Invalid("client_reference_id", "Invalid string: must be at most 200 characters", "string_too_long"));
        }

        var email = Text(form, "customer_email");
        if (email is not null && !(email.Length <= 800 && MailAddress.TryCreate(email, out var address) && address.Address == email))
        {
            return Fail(StripeErrors.Invalid("customer_email", $"Invalid email address: {email}", "email_invalid"));
        }

        var expiresAt = now + MaxLifetime;
        if (Text(form, "expires_at") is { } expires)
        {
            if (!long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var unix) || unix > 253402300799)
            {
                return Fail(StripeErrors.InvalidInteger("expires_at", expires));
            }
            expiresAt = DateTimeOffset.FromUnixTimeSeconds(unix);
            if (expiresAt < now + MinLifetime - Slack)
            {
                return Fail(StripeErrors.Invalid("expires_at", "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation."));
            }
            if (expiresAt > now + MaxLifetime + Slack)
            {
                return Fail(StripeErrors.Invalid("expires_at", "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation."));
            }
        }

        var (metadata, metadataFailure) = Metadata(form["metadata"], "metadata");
        if (metadataFailure is not null)
        {
            return Fail(metadataFailure);
        }

        IReadOnlyDictionary<string, string>? intentMetadata = new Dictionary<string, string>();
        string? intentDescription = null;
        if (form["payment_intent_data"] is { } intent)
        {
            if (!intent.IsMap)
            {
                return Fail(StripeErrors.Invalid("payment_intent_data", "Invalid object"));
            }
            if (intent.Names.FirstOrDefault(n => n is not ("metadata" or "description")) is { } unknownIntent)
            {
                return Fail(StripeErrors.Unknown($"payment_intent_data[{unknownIntent}]"));
            }
            (intentMetadata, metadataFailure) = Metadata(intent["metadata"], "payment_intent_data[metadata]");
            if (metadataFailure is not null)
            {
                return Fail(metadataFailure);
            }
            intentDescription = Text(intent, "description");
        }

        return (new StripeSessionRequest(currency!, items!, successUrl, cancelUrl, clientReferenceId, email, expiresAt,
            metadata!, intentMetadata!, intentDescription), null);
    }

    private static (List<StripeLineItem>? Items, string? Currency, StripeFailure? Failure) LineItems(StripeParams form)
    {
        var node = form["line_items"];
        if (node is null)
        {
            return (null, null, StripeErrors.Missing("line_items"));
        }
        var list = node.Items();
        if (list is null || list.Count == 0)
        {
            return (null, null, StripeErrors.Invalid("line_items", "Invalid array"));
        }
        if (list.Count > 100)
        {
            return (null, null, StripeErrors.Invalid("line_items", "You may only specify up to 100 line items."));
        }

        var items = new List<StripeLineItem>();
        string? currency = null;
        for (var i = 0; i < list.Count; i++)
        {
            var item = list[i];
            var at = $"line_items[{i}]";
            if (!item.IsMap)
            {
                return (null, null, StripeErrors.Invalid(at, "Invalid object"));
            }
            if (item.Names.FirstOrDefault(n => n is not ("price" or "price_data" or "quantity")) is { } unknown)
            {
                return (null, null, StripeErrors.Unknown($"{at}[{unknown}]"));
            }
            if (Text(item, "price") is { } price)
            {
                return (null, null, StripeErrors.NoSuch("price", price, $"{at}[price]") with { StatusCode = StatusCodes.Status400BadRequest });
            }
            var quantityText = Text(item, "quantity");
            if (quantityText is null)
            {
                return (null, null, StripeErrors.Missing($"{at}[quantity]"));
            }
            if (!long.TryParse(quantityText, NumberStyles.None, CultureInfo.InvariantCulture, out var quantity) || quantity is < 1 or > 999_999)
            {
                return (null, null, StripeErrors.InvalidInteger($"{at}[quantity]", quantityText));
            }
            var data = item["price_data"];
            if (data is null || !data.IsMap)
            {
                return (null, null, StripeErrors.Missing($"{at}[price_data]"));
            }
            if (data.Names.FirstOrDefault(n => n is not ("currency" or "unit_amount" or "product_data")) is { } unknownData)
            {
                return (null, null, StripeErrors.Unknown($"{at}[price_data][{unknownData}]"));
            }
            var itemCurrency = Text(data, "currency");
            if (itemCurrency is null)
            {
                return (null, null, StripeErrors.Missing($"{at}[price_data][currency]"));
            }
            if (itemCurrency.Length != 3 || !itemCurrency.All(char.IsAsciiLetterLower))
            {
                return (null, null, StripeErrors.Invalid($"{at}[price_data][currency]", $"Invalid currency: {itemCurrency}. Stripe currently supports these currencies: usd, eur, …"));
            }
            if (currency is not null && currency != itemCurrency)
            {
                return (null, null, StripeErrors.Invalid($"{at}[price_data][currency]", "All line items must use the same currency."));
            }
            currency = itemCurrency;
            var amountText = Text(data, "unit_amount");
            if (amountText is null)
            {
                return (null, null, StripeErrors.Missing($"{at}[price_data][unit_amount]"));
            }
            if (!long.TryParse(amountText, NumberStyles.None, CultureInfo.InvariantCulture, out var unitAmount) || unitAmount > MaxAmount)
            {
                return (null, null, StripeErrors.InvalidInteger($"{at}[price_data][unit_amount]", amountText));
            }
            var product = data["product_data"];
            if (product is null || !product.IsMap)
            {
                return (null, null, StripeErrors.Missing($"{at}[price_data][product_data]"));
            }
            if (product.Names.FirstOrDefault(n => n is not ("name" or "description" or "metadata")) is { } unknownProduct)
            {
                return (null, null, StripeErrors.Unknown($"{at}[price_data][product_data][{unknownProduct}]"));
            }
            var name = Text(product, "name");
            if (string.IsNullOrWhiteSpace(name))
            {
                return (null, null, StripeErrors.Missing($"{at}[price_data][product_data][name]"));
            }
            var (_, productMetadataFailure) = Metadata(product["metadata"], $"{at}[price_data][product_data][metadata]");
            if (productMetadataFailure is not null)
            {
                return (null, null, productMetadataFailure);
            }
            items.Add(new StripeLineItem(name, Text(product, "description"), unitAmount, quantity));
        }
        return (items, currency, null);
    }

    // Stripe's metadata limits: 50 keys, keys up to 40 characters, values up to 500.
    private static (IReadOnlyDictionary<string, string>? Metadata, StripeFailure? Failure) Metadata(StripeParams? node, string param)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is null || (!node.IsMap && node.Value == ""))
        {
            return (metadata, null);
        }
        if (!node.IsMap)
        {
            return (null, StripeErrors.Invalid(param, "Invalid object"));
        }
        foreach (var key in node.Names)
        {
            var value = node[key]!;
            if (value.IsMap)
            {
                return (null, StripeErrors.Invalid($"{param}[{key}]", "Metadata values must be strings."));
            }
            if (key.Length > 40)
            {
                return (null, StripeErrors.Invalid($"{param}[{key}]", "Metadata keys can have up to 40 characters."));
            }
            if (value.Value!.Length > 500)
            {
                return (null, StripeErrors.Invalid($"{param}[{key}]", "Metadata values can have up to 500 characters."));
            }
            metadata[key] = value.Value;
        }
        return metadata.Count > 50
            ? (null, StripeErrors.Invalid(param, "You can specify up to 50 keys."))
            : (metadata, null);
    }

    private static string? Text(StripeParams node, string name) =>
        node[name] is { IsMap: false, Value: { Length: > 0 } value } ? value : null;

    private static (StripeSessionRequest?, StripeFailure?) Fail(StripeFailure failure) => (null, failure);
}
