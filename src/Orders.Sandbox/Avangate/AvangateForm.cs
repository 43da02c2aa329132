using System.Text;

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

    // Null when the body is larger than allowed.
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

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
}
