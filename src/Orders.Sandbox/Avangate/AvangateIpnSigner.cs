using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orders.Sandbox.Avangate;
using Orders.Sandbox.Template;

namespace Orders.Sandbox;

// Signs notifications the way 2Checkout does (PROVIDERS.md 2.2). One per sandbox; tests use it to
// sign, or forge, IPNs and LCNs themselves.
public sealed class AvangateIpnSigner
{
    private readonly IOptions<AvangateSandboxOptions> options;
    private readonly ILogger<AvangateIpnSigner> logger;
    private int sha3WarningLogged;

    internal AvangateIpnSigner(IOptions<AvangateSandboxOptions> options, ILogger<AvangateIpnSigner> logger)
    {
        this.options = options;
        this.logger = logger;
    }

    // Given fields in order (array fields named "X[]", once per element), returns them with HASH,
    // SIGNATURE_SHA2_256 and SIGNATURE_SHA3_256 appended as the Include* options say. Signature
    // fields already in the input are not part of the source and are replaced by fresh ones at the end.
    public IReadOnlyList<KeyValuePair<string, string>> Sign(IReadOnlyList<KeyValuePair<string, string>> fields, string secretKey)
    {
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(secretKey);
        var signed = fields.Where(f => !AvangateHash.IsSignatureField(f.Key)).ToList();
        var source = AvangateHash.Source(signed.Select(f => f.Value));
        var settings = options.Value;
        if (settings.IncludeMd5)
        {
            signed.Add(new(AvangateHash.Md5Field, AvangateHash.Hex(AvangateAlgorithm.Md5, secretKey, source)));
        }
        if (settings.IncludeSha256)
        {
            signed.Add(new(AvangateHash.Sha256Field, AvangateHash.Hex(AvangateAlgorithm.Sha256, secretKey, source)));
        }
        if (settings.IncludeSha3)
        {
            if (AvangateHash.IsSupported(AvangateAlgorithm.Sha3_256))
            {
                signed.Add(new(AvangateHash.Sha3Field, AvangateHash.Hex(AvangateAlgorithm.Sha3_256, secretKey, source)));
            }
            else if (Interlocked.Exchange(ref sha3WarningLogged, 1) == 0)
            {
                logger.Limitation("2Checkout", "HMACSHA3_256 is not supported on this platform: notifications carry no SIGNATURE_SHA3_256");
            }
        }
        return signed;
    }

    // application/x-www-form-urlencoded as browsers and PHP clients write it: order kept, UTF-8,
    // space as '+', everything but ALPHA / DIGIT / "*-._" percent-encoded (so "[]" is "%5B%5D").
    public static string FormEncode(IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var form = new StringBuilder();
        foreach (var (name, value) in fields)
        {
            if (form.Length > 0)
            {
                form.Append('&');
            }
            Encode(form, name);
            form.Append('=');
            Encode(form, value);
        }
        return form.ToString();
    }

    private static void Encode(StringBuilder form, string? text)
    {
        foreach (var b in Encoding.UTF8.GetBytes(text ?? ""))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '*' or '-' or '.' or '_')
            {
                form.Append(c);
            }
            else if (c == ' ')
            {
                form.Append('+');
            }
            else
            {
                form.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }
}
