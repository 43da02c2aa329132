namespace Orders.Sandbox.PayPal;

// The one sandbox buyer who approves every order, and the merchant who receives the money.
// Ids are made once per run, like accounts that exist before any order does.
internal sealed class PayPalSandboxAccounts
{
    public string PayerId { get; } = SandboxIds.Account();
    public string PayerEmail { get; } = "buyer@sandbox.example";
    public string PayerGivenName { get; } = "Sandbox";
    public string PayerSurname { get; } = "Buyer";
    public string PayerCountry { get; } = "US";

    public string MerchantId { get; } = SandboxIds.Account();
    public string MerchantEmail { get; } = "merchant@sandbox.example";

    public string AppId { get; } = SandboxIds.App();
}
