namespace Orders.Api.Pages;

// Addresses every shop page links to from its footer.
internal static class ShopPaths
{
    public const string KeyRecovery = "/licenses/recover";
    public const string Privacy = "/privacy";
}
