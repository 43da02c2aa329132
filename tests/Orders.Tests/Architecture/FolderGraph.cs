using System.Text;
using System.Text.RegularExpressions;
using Orders.Tests.SqlServer;

namespace Orders.Tests.Architecture;

// Which feature folders of src/Orders.Api each feature folder uses, read from the source: a
// `using Orders.Api.X;`, an `Orders.Api.X.Type`, or an `X.Type` (inside Orders.Api.* that name
// resolves to the folder X). Comments and string literals are blanked first, so a log category or
// a sentence naming a folder is not a use. In a Razor component (.razor) a use is an
// `@using Orders.Api.X` (or `global::Orders.Api.X`) or a fully qualified `Orders.Api.X.Type`: its
// markup is text, so the short `X.Type` form is not read there.
internal static partial class FolderGraph
{
    public static string ApiSource => Path.Combine(SqlServerSyntaxTests.RepositoryRoot(), "src", "Orders.Api");

    public static IReadOnlyList<string> Features() =>
        [.. Directory.GetDirectories(ApiSource).Select(Path.GetFileName).OfType<string>()
            .Where(f => f is not ("Properties" or "bin" or "obj")).Order(StringComparer.Ordinal)];

    // folder → (used folder → the files that use it)
    public static SortedDictionary<string, SortedDictionary<string, SortedSet<string>>> Read()
    {
        var features = Features().ToHashSet(StringComparer.Ordinal);
        var graph = new SortedDictionary<string, SortedDictionary<string, SortedSet<string>>>(StringComparer.Ordinal);
        foreach (var feature in features)
        {
            var uses = graph[feature] = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
            var folder = Path.Combine(ApiSource, feature);
            var sources = Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories)
                .Select(file => (file, Matches: Reference().Matches(WithoutOtherUsings(CodeOnly(File.ReadAllText(file))))))
                .Concat(Directory.GetFiles(folder, "*.razor", SearchOption.AllDirectories)
                    .Select(file => (file, Matches: RazorReference().Matches(File.ReadAllText(file)))));
            foreach (var (file, matches) in sources)
            {
                foreach (Match m in matches)
                {
                    var used = m.Groups["feature"].Value;
                    if (used != feature && features.Contains(used))
                    {
                        if (!uses.TryGetValue(used, out var files))
                        {
                            uses[used] = files = new SortedSet<string>(StringComparer.Ordinal);
                        }

                        files.Add(Path.GetRelativePath(ApiSource, file));
                    }
                }
            }
        }

        return graph;
    }

    // Every cycle's folders in order, one per strongly connected group (Tarjan).
    public static IReadOnlyList<IReadOnlyList<string>> Cycles(IReadOnlyDictionary<string, IReadOnlyCollection<string>> edges)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var cycles = new List<IReadOnlyList<string>>();

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            foreach (var next in edges.GetValueOrDefault(node) ?? [])
            {
                if (!index.TryGetValue(next, out var nextIndex))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (stack.Contains(next))
                {
                    low[node] = Math.Min(low[node], nextIndex);
                }
            }

            if (low[node] == index[node])
            {
                var group = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    group.Add(member);
                }
                while (member != node);

                if (group.Count > 1)
                {
                    group.Reverse();
                    cycles.Add(group);
                }
            }
        }

        foreach (var node in edges.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return cycles;
    }

    // A using directive names a namespace from the top (`using Orders.Licensing;` is the license
    // library, not the Orders folder): only those naming Orders.Api.X are kept.
    private static string WithoutOtherUsings(string code) => OtherUsing().Replace(code, "");

    // The source with comments and the contents of string and character literals replaced by spaces.
    internal static string CodeOnly(string source)
    {
        var code = new StringBuilder(source.Length);
        var i = 0;
        while (i < source.Length)
        {
            var c = source[i];
            var next = i + 1 < source.Length ? source[i + 1] : '\0';
            if (c == '/' && next == '/')
            {
                i = source.IndexOf('\n', i) is var end and >= 0 ? end : source.Length;
            }
            else if (c == '/' && next == '*')
            {
                i = source.IndexOf("*/", i + 2, StringComparison.Ordinal) is var end and >= 0 ? end + 2 : source.Length;
                code.Append(' ');
            }
            else if (c == '"')
            {
                i = SkipString(source, i);
                code.Append("\"\"");
            }
            else if (c == '\'')
            {
                i = SkipQuoted(source, i, '\'');
                code.Append("' '");
            }
            else
            {
                code.Append(c);
                i++;
            }
        }

        return code.ToString();
    }

    private static int SkipString(string source, int start)
    {
        var quotes = 0;
        while (start + quotes < source.Length && source[start + quotes] == '"')
        {
            quotes++;
        }

        if (quotes >= 3)
        {
            // A raw string literal ends at the same number of quotes.
            var end = source.IndexOf(new string('"', quotes), start + quotes, StringComparison.Ordinal);
            return end < 0 ? source.Length : end + quotes;
        }

        if (quotes == 2)
        {
            return start + 2; // ""
        }

        var verbatim = start > 0 && source[start - 1] == '@' || start > 1 && source[start - 2] == '@' && source[start - 1] == '$';
        if (!verbatim)
        {
            return SkipQuoted(source, start, '"');
        }

        for (var i = start + 1; i < source.Length; i++)
        {
            if (source[i] == '"')
            {
                if (i + 1 < source.Length && source[i + 1] == '"')
                {
                    i++;
                    continue;
                }

                return i + 1;
            }
        }

        return source.Length;
    }

    private static int SkipQuoted(string source, int start, char quote)
    {
        for (var i = start + 1; i < source.Length; i++)
        {
            if (source[i] == '\\')
            {
                i++;
            }
            else if (source[i] == quote || source[i] == '\n')
            {
                return i + 1;
            }
        }

        return source.Length;
    }

    [GeneratedRegex(@"^\s*(global\s+)?using\s+(static\s+)?(?!Orders\.Api\.)[\w.]+\s*;", RegexOptions.Multiline)]
    private static partial Regex OtherUsing();

    [GeneratedRegex(@"\bOrders\.Api\.(?<feature>\w+)|(?<![\w.])(?<feature>\w+)\.(?!Api\b)[A-Z]")]
    private static partial Regex Reference();

    [GeneratedRegex(@"(?<![\w.])(?:global::)?Orders\.Api\.(?<feature>\w+)")]
    private static partial Regex RazorReference();
}
