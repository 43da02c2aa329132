namespace Orders.Sandbox.Avangate;

// A form body read by hand: order and repeated names kept, "X[]" names left as they are.
internal static class AvangateForm
{
    public const int MaxBodyBytes = 1024 * 1024;

    public static List<KeyValuePair<string, string>> Parse(string form)
    {
        List<KeyValuePair<string, string>> fields = [];
        foreach (var pair in form.Split('&'))
        {
            if (pair.Length == 0)
            {
                continue;
            }
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? pair : pair[..equals];
            var value = equals < 0 ? "" : pair[(equals + 1)..];
            fields.Add(new(Decode(name), Decode(value)));
        }
        return fields;
    }

    public static string? First(IReadOnlyList<KeyValuePair<string, string>> fields, string name)
    {
        foreach (var (key, value) in fields)
        {
            if (key == name)
            {
                return value;
            }
        }
        return null;
    }

    public static Task<string?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken) =>
        Template.SandboxJson.ReadTextAsync(request, cancellationToken, MaxBodyBytes);

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
}
