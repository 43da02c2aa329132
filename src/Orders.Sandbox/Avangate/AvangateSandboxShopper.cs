namespace Orders.Sandbox;

// The billing contact every sandbox IPN and LCN carries. Distinctive and partly non-ASCII on
// purpose: tests assert that none of it reaches the service's database or logs, and the
// non-ASCII values exercise the UTF-8 byte lengths in the signatures.
public static class AvangateSandboxShopper
{
    public const string FirstName = "Zoë";
    public const string LastName = "Ångström-Łukasz";
    public const string Company = "Müller & Söhne GmbH";
    public const string RegistrationNumber = "KRS-0000481516";
    public const string FiscalCode = "PL-526-025-02-74";
    public const string Address1 = "ul. Floriańska 15/3";
    public const string City = "Kraków";
    public const string State = "Małopolskie";
    public const string ZipCode = "31-019";
    public const string Country = "Poland";
    public const string CountryCode = "pl";
    public const string Phone = "+48 12 345 67 89";
    public const string Fax = "+48 12 345 67 90";
    public const string IpAddress = "203.0.113.77";
    public const string IpCountry = "Poland";
    public const string CardType = "Visa";
    public const string CardLastDigits = "4242";
    public const string CardExpirationDate = "12/29";

    // Used when a scripted payment gives no e-mail and the buy link did not prefill one.
    public const string Email = "zoe.angstrom-lukasz@example.com";
}
