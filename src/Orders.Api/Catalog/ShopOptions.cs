using System.ComponentModel.DataAnnotations;

namespace Orders.Api.Catalog;

// Who sells: the vendor's name, support address and logo as the shop's pages and e-mails show them.
internal sealed class ShopOptions
{
    public const string Section = "Shop";

    [Required, StringLength(80, MinimumLength = 1)]
    public string Name { get; set; } = "Example Software";

    // Shown on every page and in every e-mail as where customers get help.
    [Required, EmailAddress, StringLength(254)]
    public string SupportEmail { get; set; } = "support@example.com";

    // An absolute https URL or a path on this site; none: the name alone.
    [StringLength(2048)]
    public string? LogoUrl { get; set; }

    // The privacy policy shown at /privacy: a file the operator supplies (.html/.htm as HTML, anything
    // else as plain text or simple Markdown). None: the built-in policy, the vendor's promises.
    [StringLength(1024)]
    public string? PrivacyPolicyFile { get; set; }

    // The product's activation steps for the license e-mail, one step per line.
    [StringLength(4000)]
    public string ActivationSteps { get; set; } = "Open the program.\nChoose Help > Enter license key.\nPaste the key above and choose Activate.";
}
