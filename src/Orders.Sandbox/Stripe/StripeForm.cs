using System.Globalization;
using System.Text;

namespace Orders.Sandbox.Stripe;

// A form-encoded Stripe request: names in bracket notation ("line_items[0][price_data][unit_amount]",
// "metadata[order_number]") become a tree. Stripe.net sends the brackets unescaped and spaces as '+';
// percent-encoded brackets are read the same. A leaf is a string; arrays are maps with integer keys.
internal sealed class StripeParams
{
    private readonly SortedDictionary<string, StripeParams>? children;

    private StripeParams(string? value, bool isMap)
    {
        Value = value;
        children = isMap ? new SortedDictionary<string, StripeParams>(StringComparer.Ordinal) : null;
    }

    public string? Value { get; }

    public bool IsMap => children is not null;

    public IEnumerable<string> Names => children?.Keys ?? Enumerable.Empty<string>();

    public StripeParams? this[string name] => children is not null && children.TryGetValue(name, out var child) ? child : null;

    // Integer-keyed children in index order, or null when the keys are not all integers.
    public IReadOnlyList<StripeParams>? Items()
    {
        if (children is null)
        {
            return null;
        }
        var items = new List<(int Index, StripeParams Node)>();
        foreach (var (key, node) in children)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                return null;
            }
            items.Add((index, node));
        }
        return items.OrderBy(i => i.Index).Select(i => i.Node).ToList();
    }

    internal static StripeParams Map() => new(null, isMap: true);

    // Adds one name=value pair; false when it collides with an earlier one (same name twice, or a
    // name used both as a value and as a map).
    internal bool TryAdd(IReadOnlyList<string> path, string value)
    {
        var node = this;
        for (var i = 0; i < path.Count; i++)
        {
            if (node.children is null)
            {
                return false;
            }
            var last = i == path.Count - 1;
            if (node.children.TryGetValue(path[i], out var existing))
            {
                if (last || !existing.IsMap)
                {
                    return false;
                }
                node = existing;
                continue;
            }
            var created = last ? new StripeParams(value, isMap: false) : Map();
            node.children[path[i]] = created;
            node = created;
        }
        return true;
    }
}

internal static class StripeForm
{
    public const int MaxBodyBytes = 256 * 1024;

    // (parameters, canonical text for idempotency comparison, error naming the offending parameter).
    public static (StripeParams? Params, string Canonical, string? InvalidName) Parse(string body)
    {
        var root = StripeParams.Map();
        var pairs = new List<string>();
        foreach (var pair in body.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Decode(pair[(equals + 1)..]);
            if (name is null || value is null)
            {
                return (null, "", pair);
            }
            var path = Path(name);
            if (path is null || !root.TryAdd(path, value))
            {
                return (null, "", name);
            }
            pairs.Add(name + "=" + value);
        }
        pairs.Sort(StringComparer.Ordinal);
        return (root, string.Join('&', pairs), null);
    }

    public static async Task<string?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    // "a[b][0]" → ["a", "b", "0"]; null for anything else ("a[", "a[]", "[b]", "a]b").
    private static List<string>? Path(string name)
    {
        var open = name.IndexOf('[', StringComparison.Ordinal);
        var head = open < 0 ? name : name[..open];
        if (head.Length == 0 || head.Contains(']', StringComparison.Ordinal))
        {
            return null;
        }
        var path = new List<string> { head };
        var rest = open < 0 ? "" : name[open..];
        while (rest.Length > 0)
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (rest[0] != '[' || close < 2)
            {
                return null;
            }
            var segment = rest[1..close];
            if (segment.Contains('[', StringComparison.Ordinal))
            {
                return null;
            }
            path.Add(segment);
            rest = rest[(close + 1)..];
        }
        return path;
    }

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
}
