using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Orders.Licensing;

/// <summary>
/// For a vendor's own records: find a typed key among the keys the vendor issued, without checking
/// its signature. Nothing here says that a key is genuine by itself: a typed key that is the same
/// key as one the vendor stored when it issued it (<see cref="AreSameKey"/>) needs no signature check
/// to be recognised; anything else must go through <see cref="LicenseKeyRing.Verify"/>.
/// </summary>
public static class LicenseKeyLookup
{
    /// <summary>The license id a well-formed key names, unverified: only for looking the key up.</summary>
    public static bool TryReadLicenseId(string? licenseKey, [NotNullWhen(true)] out string? licenseId)
    {
        licenseId = null;
        if (!LicenseKeyFormat.TryDecode(licenseKey, out DecodedKey? key, out _) || key.Fields.LicenseId.Any(b => b > 127))
        {
            return false;
        }

        licenseId = Encoding.ASCII.GetString(key.Fields.LicenseId);
        return true;
    }

    /// <summary>
    /// Whether two texts are the same key: the same signed content and the same signature, however
    /// each was typed (letter case, spaces and line breaks, typographic dashes).
    /// </summary>
    public static bool AreSameKey(string? typed, string? issued) =>
        LicenseKeyFormat.TryDecode(typed, out DecodedKey? a, out _)
        && LicenseKeyFormat.TryDecode(issued, out DecodedKey? b, out _)
        && a.SignedMessage.AsSpan().SequenceEqual(b.SignedMessage)
        && a.Signature.AsSpan().SequenceEqual(b.Signature);
}
