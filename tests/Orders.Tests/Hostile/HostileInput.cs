using System.Text;

namespace Orders.Tests.Hostile;

// A seeded generator of hostile input: malformed, oversized, wrongly encoded and forged values.
// Seeded so a failure can be replayed; the seed is in the test's failure message.
public sealed class HostileInput(int seed)
{
    private static readonly string[] Nasty =
    [
        "", " ", "null", "undefined", "0", "-1", "2147483648", "9223372036854775808", "1e309", "NaN", "true",
        "4111111111111111", "4111 1111 1111 1111", "5555-5555-5555-4444",
        "' OR 1=1 --", "'; DROP TABLE orders; --", "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>",
        "../../etc/passwd", "%00", "\0", "\u202e", "\uFEFF", "Zoë Ångström 李", "🙂🙂🙂", "\r\nX-Injected: 1",
        "{{7*7}}", "${jndi:ldap://x}", "a@b", "@example.com", "x@example.com\r\nBcc: y@example.com",
        new string('A', 5000), new string('é', 3000),
    ];

    private readonly Random random = new(seed);

    public int Seed => seed;

    public string Text()
    {
        return random.Next(4) switch
        {
            0 => Nasty[random.Next(Nasty.Length)],
            1 => RandomUnicode(random.Next(0, 64)),
            2 => Nasty[random.Next(Nasty.Length)] + RandomUnicode(random.Next(0, 8)),
            _ => random.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    // What an HTTP client can put in a header: printable ASCII only (the hostility is in the content).
    public string HeaderText() => new(Text().Where(c => c is >= ' ' and <= '~').ToArray());

    public byte[] Bytes(int max) => Enumerable.Range(0, random.Next(0, max)).Select(_ => (byte)random.Next(256)).ToArray();

    public string JsonValue() => random.Next(7) switch
    {
        0 => "null",
        1 => random.Next(-5, 1000).ToString(System.Globalization.CultureInfo.InvariantCulture),
        2 => "true",
        3 => "[" + string.Join(",", Enumerable.Range(0, random.Next(3)).Select(_ => JsonString())) + "]",
        4 => "{\"a\":" + JsonString() + "}",
        5 => "1.5e3",
        _ => JsonString(),
    };

    public string JsonString() => System.Text.Json.JsonSerializer.Serialize(Text());

    public T Pick<T>(params T[] choices) => choices[random.Next(choices.Length)];

    public int Next(int max) => random.Next(max);

    public bool Chance(int percent) => random.Next(100) < percent;

    private string RandomUnicode(int length)
    {
        var builder = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            var c = (char)random.Next(1, 0xD7FF);
            builder.Append(c);
        }

        return builder.ToString();
    }
}
