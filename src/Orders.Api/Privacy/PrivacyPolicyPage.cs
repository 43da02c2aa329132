using System.Text;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orders.Api.Catalog;
using Orders.Api.Data;

namespace Orders.Api.Privacy;

// A privacy notice the vendor has published (its mailing started), as /privacy lists it.
public sealed class PublishedNotice
{
    public string Subject { get; init; } = "";
    public string Body { get; init; } = "";
    public DateTime EffectiveOn { get; init; }
    public DateTime? PublishedAt { get; init; }
}

// One block of the policy text: a heading, a paragraph or a list.
public sealed record PolicyBlock(string Kind, IReadOnlyList<string> Lines);

// The privacy policy as the operator wrote it (Shop:PrivacyPolicyFile) or the built-in one, and
// every notice the vendor has published, newest first. Drafts are the admin's work in progress and
// are not shown; a notice counts as published once its mailing has started ('sending' or 'sent'),
// since from then on customers hold e-mails that link here.
internal static class PrivacyPolicyPage
{
    private const string PublishedSql = """
        SELECT subject AS Subject, body AS Body, effective_on AS EffectiveOn, send_started_at AS PublishedAt
        FROM privacy_notices
        WHERE status IN ('sending', 'sent')
        ORDER BY effective_on DESC, id DESC
        """;

    // The vendor's promises as PRIVACY.md lists them.
    internal const string BuiltInPolicy = """
        ## What we keep and why

        We keep your e-mail address and the licensee name of each order, because the license is issued to that name and sent to that address, and our support team must find your order when you write to us. We use them only to deliver what you bought: the license e-mail, a license resent at your request, a message when something happens to a paid order (a refund, a reversal, a revoked license), your own license keys when you ask for them, and privacy notices. We send no advertising.

        We never see or keep card data: you pay on the payment provider's page. We keep no postal address, no phone number and no IP address.

        ## Our promises

        - Your e-mail address and name are used only to deliver what you bought.
        - IP addresses are used only to count requests by network, for trends and to slow down abuse, and are never linked to a person or stored with an order.
        - Our staff areas are behind passwords, and what staff do with orders is recorded.
        - Before your data is used in any new way, we tell you by e-mail and you choose; nothing changes for you unless you agree.

        ## Your rights

        You can ask us what we keep about you (we send it as one document), and ask us to erase it. Write to the support address below. An erased order keeps its number, product, amounts and dates for bookkeeping; the license you hold keeps working.
        """;

    public static IEndpointRouteBuilder MapPrivacyPolicyPage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/privacy", Show).WithTags("Pages").ExcludeFromDescription();
        return app;
    }

    private static async Task<RazorComponentResult<PrivacyPage>> Show(Db db, IOptions<ShopOptions> shop, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var notices = (await connection.QueryAsync<PublishedNotice>(new CommandDefinition(PublishedSql, cancellationToken: ct))).ToList();
        var file = shop.Value.PrivacyPolicyFile;
        string? html = null;
        IReadOnlyList<PolicyBlock> blocks;
        if (string.IsNullOrWhiteSpace(file))
        {
            blocks = Blocks(BuiltInPolicy);
        }
        else
        {
            var text = await File.ReadAllTextAsync(file, Encoding.UTF8, ct);
            // The operator's own HTML is shown as written: it is the vendor's text, not a customer's.
            var isHtml = Path.GetExtension(file).ToLowerInvariant() is ".html" or ".htm";
            html = isHtml ? text : null;
            blocks = isHtml ? [] : Blocks(text);
        }

        return new(new { PolicyHtml = html, Policy = blocks, Notices = notices });
    }

    // Plain text or simple Markdown: blank lines separate blocks; "#" lines are headings, blocks of
    // "- " or "* " lines are lists, anything else a paragraph. Everything else is shown as text.
    internal static List<PolicyBlock> Blocks(string text)
    {
        var blocks = new List<PolicyBlock>();
        foreach (var block in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var lines = block.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (lines.Length == 1 && lines[0].StartsWith('#'))
            {
                blocks.Add(new PolicyBlock("heading", [lines[0].TrimStart('#').Trim()]));
            }
            else if (lines.All(l => l.StartsWith("- ", StringComparison.Ordinal) || l.StartsWith("* ", StringComparison.Ordinal)))
            {
                blocks.Add(new PolicyBlock("list", [.. lines.Select(l => l[2..].Trim())]));
            }
            else
            {
                blocks.Add(new PolicyBlock("paragraph", [string.Join(' ', lines)]));
            }
        }

        return blocks;
    }
}
