using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace Orders.BrowserTests.Infrastructure;

// axe-core (pinned in package.json, copied to the build output by the .csproj) run in the page as
// it stands: WCAG 2.0-2.2 A and AA plus axe's best practices. Serious and critical findings fail
// a test; minor and moderate ones are axe's opinion more than a barrier, and are left to review.
// The shop's Content-Security-Policy allows no injected script, so contexts that use this are
// opened with BypassCSP (see Open).
public static class Axe
{
    private static readonly string ScriptPath = Path.Combine(AppContext.BaseDirectory, "axe-core", "axe.min.js");

    private static readonly string[] Tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

    public static async Task<IBrowserContext> OpenAsync(IBrowser browser, Uri baseAddress, int width = 1280, int height = 900)
    {
        var context = await browser.NewContextAsync(new()
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new() { Width = width, Height = height },
            BypassCSP = true,
        });
        context.SetDefaultTimeout(30_000);
        return context;
    }

    // The serious and critical violations on the page now, one line each, prefixed with what the page is.
    public static async Task<IReadOnlyList<string>> SeriousViolationsAsync(IPage page, string what)
    {
        if (!File.Exists(ScriptPath))
        {
            throw new InvalidOperationException($"axe-core is missing at {ScriptPath}: build the test project (it runs npm ci in tests/Orders.BrowserTests).");
        }

        await page.AddScriptTagAsync(new() { Path = ScriptPath });
        var found = await page.EvaluateAsync<JsonElement>(
            """
            async (tags) => {
              const results = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
              return results.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(' ')) }));
            }
            """,
            Tags);
        return [.. found.EnumerateArray().Select(v =>
            $"{what} ({new Uri(page.Url).AbsolutePath}): {v.GetProperty("id").GetString()} [{v.GetProperty("impact").GetString()}] {v.GetProperty("help").GetString()} at "
            + string.Join(", ", v.GetProperty("targets").EnumerateArray().Select(t => t.GetString())))];
    }

    // Fails with every violation found on all the pages checked, so one run shows the whole list.
    public static void AssertNone(IReadOnlyCollection<string> violations)
    {
        if (violations.Count == 0)
        {
            return;
        }

        var text = new StringBuilder($"{violations.Count} serious or critical accessibility violation(s):");
        foreach (var violation in violations)
        {
            text.Append('\n').Append("  - ").Append(violation);
        }

        Assert.Fail(text.ToString());
    }
}
