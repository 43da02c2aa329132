using System.Globalization;
using System.Text.RegularExpressions;

namespace Orders.Sandbox.Stripe;

// A form-encoded Stripe request: names in bracket notation ("line_items[0][price_data][unit_amount]",
// "metadata[order_number]") read as a tree. Stripe.net sends the brackets unescaped and spaces as '+';
// percent-encoded brackets are read the same. A leaf is a string; arrays are maps with integer keys.
internal sealed class StripeParams(SortedDictionary<string, string> all, string path)
{
    public string? Value => all.GetValueOrDefault(path);

    public bool IsMap => path.Length == 0 || all.Keys.Any(k => k.StartsWith(path + "[", StringComparison.Ordinal));

    public IEnumerable<string> Names => all.Keys
        .Where(k => path.Length == 0 || k.StartsWith(path + "[", StringComparison.Ordinal))
        .Select(k => path.Length == 0 ? k.Split('[')[0] : k[(path.Length + 1)..k.IndexOf(']', path.Length)])
        .Distinct(StringComparer.Ordinal);

    public StripeParams? this[string name]
    {
        get
        {
            var child = path.Length == 0 ? name : $"{path}[{name}]";
            return all.ContainsKey(child) || all.Keys.Any(k => k.StartsWith(child + "[", StringComparison.Ordinal)) ? new StripeParams(all, child) : null;
        }
    }

    // Integer-keyed children in index order, or null when the keys are not all integers.
    public IReadOnlyList<StripeParams>? Items()
    {
        var keys = Names.Select(n => (Name: n, Ok: int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var i), Index: i)).ToList();
        return IsMap && keys.All(k => k.Ok) ? [.. keys.OrderBy(k => k.Index).Select(k => this[k.Name]!)] : null;
    }
}

internal static partial class StripeForm
{
    public const int MaxBodyBytes = 256 * 1024;

    // (parameters, canonical text for idempotency comparison, the offending parameter: malformed,
    // given twice, or used both as a value and as a map).
    public static (StripeParams? Params, string Canonical, string? InvalidName) Parse(string body)
    {
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in body.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Decode(pair[(equals + 1)..]);
            if (name is null || value is null || !NamePattern().IsMatch(name) || !all.TryAdd(name, value))
            {
                return (null, "", name ?? pair);
            }
        }
        if (all.Keys.FirstOrDefault(k => all.Keys.Any(other => other.StartsWith(k + "[", StringComparison.Ordinal))) is { } both)
        {
            return (null, "", both);
        }
        return (new StripeParams(all, ""), string.Join('&', all.Select(p => p.Key + "=" + p.Value)), null);
    }

    public static Task<string?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken) =>
        Template.SandboxJson.ReadTextAsync(request, cancellationToken, MaxBodyBytes);

    private static string? Decode(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            return null;
        }
    }

    // "a[b][0]"; not "a[", "a[]", "[b]", "a]b".
    [GeneratedRegex(@"^[^\[\]]+(\[[^\[\]]+\])*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
