using Orders.Api.Payments;

namespace Orders.Api.Hosting;

// Refuses to start in Production with anything that only belongs on a developer's machine, and
// says which setting to set instead of failing later at the first sale.
internal static class ProductionGuard
{
    public static WebApplicationBuilder RefuseUnsafeProductionSettings(this WebApplicationBuilder builder)
    {
        if (!builder.Environment.IsProduction())
        {
            return builder;
        }

        var c = builder.Configuration;
        var problems = new List<string>();
        if (PaymentsRegistration.SandboxEnabled(c))
        {
            problems.Add("payments would go to the local sandbox: set PayPal:BaseUrl, PayPal:ClientId, PayPal:ClientSecret and PayPal:WebhookId (and leave Sandbox:Enabled unset or false)");
        }
        else if (PaymentsRegistration.PayPalEnabled(c))
        {
            foreach (var key in new[] { "PayPal:BaseUrl", "PayPal:ClientId", "PayPal:ClientSecret", "PayPal:WebhookId" })
            {
                if (string.IsNullOrWhiteSpace(c[key]))
                {
                    problems.Add($"PayPal is enabled but {key} is not set");
                }
            }
        }

        if (!string.IsNullOrWhiteSpace(c["Avangate:MerchantCode"]))
        {
            foreach (var key in new[] { "Avangate:CheckoutUrl", "Avangate:SecretKey", "Avangate:BuyLinkSecret" })
            {
                if (string.IsNullOrWhiteSpace(c[key]))
                {
                    problems.Add($"the reseller is enabled but {key} is not set");
                }
            }
        }

        if (PaymentsRegistration.StripeEnabled(c) && !PaymentsRegistration.SandboxEnabled(c))
        {
            foreach (var key in new[] { "Stripe:SecretKey", "Stripe:WebhookSecret" })
            {
                if (string.IsNullOrWhiteSpace(c[key]))
                {
                    problems.Add($"Stripe is enabled but {key} is not set");
                }
            }
        }

        if (string.IsNullOrWhiteSpace(c["Licensing:SigningKeyPem"]) && string.IsNullOrWhiteSpace(c["Licensing:SigningKeyPemFile"]))
        {
            problems.Add("no license signing key: set Licensing:SigningKeyPem or Licensing:SigningKeyPemFile (a generated key on local disk would make licenses unverifiable after a redeploy)");
        }

        if (string.IsNullOrWhiteSpace(c["Security:TokenSecret"]))
        {
            problems.Add("set Security:TokenSecret (at least 32 random characters, the same on every instance)");
        }

        // Without it the links handed to providers (return, cancel) and mailed to customers would
        // be built from the request's Host header, which the client chooses.
        if (string.IsNullOrWhiteSpace(c["App:PublicBaseUrl"]))
        {
            problems.Add("set App:PublicBaseUrl to the address customers reach the shop at (e.g. https://shop.example.com)");
        }

        if (!DataProtectionSettings.From(c).Encrypts)
        {
            problems.Add("set DataProtection:CertificatePath (an RSA certificate with its private key, and DataProtection:CertificatePassword or DataProtection:CertificateKeyPath) so the Data Protection key ring is encrypted in the database");
        }

        if (string.Equals(c["Mail:Mode"], "Smtp", StringComparison.OrdinalIgnoreCase) && string.IsNullOrWhiteSpace(c["Mail:Host"]))
        {
            problems.Add("Mail:Mode is Smtp: set Mail:Host");
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Refusing to start in Production: " + string.Join("; ", problems) + ".");
        }

        return builder;
    }
}
