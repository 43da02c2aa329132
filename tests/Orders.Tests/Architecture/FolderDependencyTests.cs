using System.Text.RegularExpressions;
using Orders.Tests.SqlServer;

namespace Orders.Tests.Architecture;

// Dependencies between the feature folders of src/Orders.Api go one way, and docs/ARCHITECTURE.md
// draws them as they are.
public sealed partial class FolderDependencyTests
{
    [Fact]
    public void NoFeatureFolderDependsOnItselfThroughOthers()
    {
        var graph = FolderGraph.Read();
        var cycles = FolderGraph.Cycles(graph.ToDictionary(g => g.Key, g => (IReadOnlyCollection<string>)g.Value.Keys));
        var explained = cycles.Select(cycle => string.Join(" ⇄ ", cycle) + ": " + string.Join("; ",
            cycle.SelectMany(from => graph[from].Where(use => cycle.Contains(use.Key))
                .Select(use => $"{from} → {use.Key} in {string.Join(", ", use.Value)}")))).ToList();
        Assert.True(explained.Count == 0, "Cycles between feature folders:\n" + string.Join("\n", explained));
    }

    [Fact]
    public void HostingUsesNoFeatureFolder()
    {
        var uses = FolderGraph.Read()["Hosting"].Select(use => $"Hosting → {use.Key} in {string.Join(", ", use.Value)}").ToList();
        Assert.True(uses.Count == 0, string.Join("\n", uses));
    }

    [Fact]
    public void TheArchitectureDocumentDrawsTheGraphAsTheSourceHasIt()
    {
        var document = File.ReadAllText(Path.Combine(SqlServerSyntaxTests.RepositoryRoot(), "docs", "ARCHITECTURE.md"));
        var drawn = DrawnEdge().Matches(document).ToDictionary(
            m => m.Groups["folder"].Value,
            m => string.Join(" ", m.Groups["uses"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)));
        var actual = FolderGraph.Read().ToDictionary(g => g.Key, g => string.Join(" ", g.Value.Keys));
        var differences = actual.Keys.Union(drawn.Keys).Order(StringComparer.Ordinal)
            .Where(f => actual.GetValueOrDefault(f) != drawn.GetValueOrDefault(f))
            .Select(f => $"{f}: the source has [{actual.GetValueOrDefault(f) ?? "no folder"}], the document draws [{drawn.GetValueOrDefault(f) ?? "nothing"}]")
            .ToList();
        Assert.True(differences.Count == 0, "docs/ARCHITECTURE.md's folder graph is out of date:\n" + string.Join("\n", differences));
    }

    [Fact]
    public void TheReaderSeesUsesAndSkipsCommentsAndStrings()
    {
        const string source = """
            using Orders.Api.Data;
            // Mail.MailOptions in a comment
            var category = "Orders.Startup Mail.Send";
            var raw = \"\"\"Support.Pages\"\"\";
            var options = Licensing.LicensingOptions.Section;
            var full = Orders.Api.Privacy.CustomerData.Erase;
            """;
        var code = FolderGraph.CodeOnly(source.Replace("\\\"", "\"", StringComparison.Ordinal));
        Assert.DoesNotContain("Mail.", code, StringComparison.Ordinal);
        Assert.DoesNotContain("Support.", code, StringComparison.Ordinal);
        Assert.Contains("Licensing.LicensingOptions", code, StringComparison.Ordinal);
        Assert.Contains("Orders.Api.Privacy", code, StringComparison.Ordinal);
        Assert.Contains("using Orders.Api.Data;", code, StringComparison.Ordinal);
    }

    [Fact]
    public void ACycleIsFoundWithAllItsFolders()
    {
        var cycles = FolderGraph.Cycles(new Dictionary<string, IReadOnlyCollection<string>>
        {
            ["Orders"] = ["Data", "Privacy"],
            ["Privacy"] = ["Mail"],
            ["Mail"] = ["Orders"],
            ["Data"] = [],
        });
        Assert.Equal(["Mail", "Orders", "Privacy"], Assert.Single(cycles).Order(StringComparer.Ordinal));
    }

    // One line of the drawing: `Folder  → A B C` or `Folder  ─` (uses nothing).
    [GeneratedRegex(@"^(?<folder>[A-Z]\w+) +(?:→(?<uses>[ \w]+)|─)$", RegexOptions.Multiline)]
    private static partial Regex DrawnEdge();
}
