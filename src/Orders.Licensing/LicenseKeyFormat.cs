// License key format, version 1.
//
// Example (licensee "Zoë Ångström 李", key id "k2026a", 295 characters; with a 60-character name and
// similar other fields a key has about 375 characters):
//
//   ORD1-0SNK4-C1J6S-GHGK2-98CPK-6HAQ9-D536M-JPB4R-46MA5-91242-JJJB9-40RM2-89XA4-YM2J9-WPN6N-24009-
//   NMVY3-NCGC7-1BECX-SQ8WP-3PSPJ-1SMXH-R00A3-TFA92-2TCHG-68V2T-C1G60-RK4CR-B99P0-7CYBB-RSFXK-NNENK-
//   3MV9R-SNM6D-TFW6F-43SW5-Y5PHP-4MJGR-KKW7M-0JW4P-YQ7GJ-3ASWH-YMVJ3-AZ2PH-F4NAY-ADWHH-4ETHZ-XCVE8-
//   CD0RD-TM
//
// (Sign returns it as one line; wrapping it, as above, does not matter to Verify.)
//
// Text. "ORD1" (format 1), then the binary key below in Crockford Base32 (alphabet
// 0123456789ABCDEFGHJKMNPQRSTVWXYZ, most significant bit first, no padding characters, the unused
// low bits of the last character zero), in groups of 5 characters separated by dashes; the last
// group has 1 to 5. Only digits, capital letters and dashes appear, so a key survives e-mail,
// line wrapping and copy-paste. Reading ignores whitespace and line breaks (also zero-width and
// soft-hyphen characters a mail client may insert), ignores letter case, and takes typographic
// dashes (U+2010..U+2015, U+2212) as dashes. Everything else is significant: unlike general Crockford
// decoders, I, L, O and U are NOT read as 1, 1, 0 and V, so every key has exactly one text and any
// changed digit or letter fails.
//
// Binary, big-endian:
//   u8  length + ASCII   key id         which vendor key signed it, so keys can be rotated
//   u8  length + ASCII   license id
//   u8  length + ASCII   sku
//   u16 length + UTF-8   licensee name
//   u16                  seats
//   u8  length + ASCII   order number
//   u24                  issued on      DateOnly.DayNumber
//   64 bytes             signature      ECDSA P-256 / SHA-256, IEEE P1363 r || s, with s <= n/2
//
// The signature covers the ASCII bytes "ORD1" followed by every byte before the signature, so the
// same bytes cannot be read under another format version.

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Orders.Licensing;

internal static class LicenseKeyFormat
{
    public const string Prefix = "ORD1";
    public const int GroupLength = 5;
    public const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    // Far above the longest possible key (about 1,750 characters, for 200 three-byte characters in
    // the licensee name) plus generous whitespace; anything longer is refused before it is read.
    public const int MaxInputLength = 8_192;

    private const string Version = "1";
    private const int MinPayloadLength = 2 + 2 + 2 + 3 + 2 + 2 + 3;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte[] SignedMessage(ReadOnlySpan<byte> payload)
    {
        byte[] message = new byte[Prefix.Length + payload.Length];
        Encoding.ASCII.GetBytes(Prefix, message);
        payload.CopyTo(message.AsSpan(Prefix.Length));
        return message;
    }

    // The license must already satisfy LicenseRules and the key id be valid.
    public static byte[] EncodePayload(LicenseData license, string keyId)
    {
        var buffer = new List<byte>(256);
        WriteAscii(buffer, keyId);
        WriteAscii(buffer, license.LicenseId);
        WriteAscii(buffer, license.Sku);
        byte[] name = StrictUtf8.GetBytes(license.LicenseeName);
        WriteUInt16(buffer, name.Length);
        buffer.AddRange(name);
        WriteUInt16(buffer, license.Seats);
        WriteAscii(buffer, license.OrderNumber);
        int day = license.IssuedOn.DayNumber;
        buffer.Add((byte)(day >> 16));
        buffer.Add((byte)(day >> 8));
        buffer.Add((byte)day);
        return [.. buffer];
    }

    public static string ToText(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> signature)
    {
        int symbols = ((payload.Length + signature.Length) * 8 + 4) / 5;
        var text = new StringBuilder(Prefix.Length + symbols + symbols / GroupLength + 1);
        text.Append(Prefix);
        int buffer = 0, bits = 0, written = 0;

        void Emit(int value)
        {
            if (written % GroupLength == 0)
            {
                text.Append('-');
            }

            text.Append(Alphabet[value & 31]);
            written++;
        }

        foreach (byte b in (byte[])[.. payload, .. signature])
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                Emit(buffer >> bits);
            }

            buffer &= (1 << bits) - 1;
        }

        if (bits > 0)
        {
            Emit(buffer << (5 - bits));
        }

        return text.ToString();
    }

    // Text -> checked structure. Fails with Empty, Malformed or UnsupportedVersion; never throws.
    // The fields are only split here; they are decoded and checked after the signature is verified.
    public static bool TryDecode(string? input, [NotNullWhen(true)] out DecodedKey? key, out Problem problem)
    {
        key = null;
        if (string.IsNullOrWhiteSpace(input))
        {
            problem = new(LicenseInvalidReason.Empty, "No license key was entered.");
            return false;
        }

        if (input.Length > MaxInputLength)
        {
            problem = Malformed(string.Create(CultureInfo.InvariantCulture,
                $"The text is far too long to be a license key ({input.Length:N0} characters)."));
            return false;
        }

        if (!TryNormalize(input, out string text, out problem)
            || !TryReadGroups(text, out string symbols, out problem)
            || !TryDecodeBase32(symbols, out byte[] binary, out problem))
        {
            return false;
        }

        if (binary.Length < MinPayloadLength + P256Keys.SignatureLength)
        {
            problem = Malformed("The key is too short; part of it is probably missing.");
            return false;
        }

        byte[] payload = binary[..^P256Keys.SignatureLength];
        byte[] signature = binary[^P256Keys.SignatureLength..];
        var reader = new Reader(payload);
        if (!reader.TryReadBytes(lengthBytes: 1, out byte[] keyIdBytes))
        {
            problem = Malformed("The key is damaged or incomplete (its parts do not fit together).");
            return false;
        }

        string keyId = Encoding.ASCII.GetString(keyIdBytes);
        if (keyIdBytes.Any(b => b > 127) || !LicenseRules.IsValidKeyId(keyId))
        {
            problem = Malformed("The key is damaged (the id of the vendor key that signed it is unreadable).");
            return false;
        }

        if (!reader.TryReadBytes(1, out byte[] licenseId)
            || !reader.TryReadBytes(1, out byte[] sku)
            || !reader.TryReadBytes(2, out byte[] name)
            || !reader.TryReadUInt(2, out int seats)
            || !reader.TryReadBytes(1, out byte[] orderNumber)
            || !reader.TryReadUInt(3, out int dayNumber)
            || !reader.AtEnd)
        {
            problem = Malformed("The key is damaged or incomplete (its parts do not fit together).");
            return false;
        }

        key = new DecodedKey(keyId, SignedMessage(payload), signature,
            new RawFields(licenseId, sku, name, seats, orderNumber, dayNumber));
        problem = default;
        return true;
    }

    // Decodes and checks the fields of a key whose signature has been verified.
    public static bool TryReadLicense(RawFields fields, [NotNullWhen(true)] out LicenseData? license, out string error)
    {
        license = null;
        if (!TryAscii(fields.LicenseId, out string licenseId)
            || !TryAscii(fields.Sku, out string sku)
            || !TryAscii(fields.OrderNumber, out string orderNumber))
        {
            error = "a text field holds characters outside ASCII";
            return false;
        }

        if (!System.Text.Unicode.Utf8.IsValid(fields.LicenseeName))
        {
            error = "the licensee name is not valid UTF-8";
            return false;
        }

        if (fields.DayNumber > DateOnly.MaxValue.DayNumber)
        {
            error = "the issue date is out of range";
            return false;
        }

        var candidate = new LicenseData(licenseId, sku, StrictUtf8.GetString(fields.LicenseeName), fields.Seats,
            orderNumber, DateOnly.FromDayNumber(fields.DayNumber));
        string? problem = LicenseRules.FindProblem(candidate);
        if (problem is not null)
        {
            error = problem;
            return false;
        }

        license = candidate;
        error = "";
        return true;
    }

    private static bool TryNormalize(string input, out string text, out Problem problem)
    {
        var builder = new StringBuilder(input.Length);
        for (int i = 0; i < input.Length; i++)
        {
            char c = input[i];
            if (char.IsWhiteSpace(c) || c is '\u200B' or '\u200C' or '\u200D' or '\u2060' or '\uFEFF' or '\u00AD')
            {
                continue;
            }

            if (c is (>= '\u2010' and <= '\u2015') or '\u2212')
            {
                c = '-';
            }

            if (c is >= 'a' and <= 'z')
            {
                c = (char)(c - ('a' - 'A'));
            }
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                text = "";
                problem = Malformed(string.Create(CultureInfo.InvariantCulture,
                    $"The key contains {Describe(c)} at position {i + 1}; license keys hold only letters, digits and dashes."));
                return false;
            }

            builder.Append(c);
        }

        text = builder.ToString();
        problem = default;
        return true;
    }

    private static bool TryReadGroups(string text, out string symbols, out Problem problem)
    {
        symbols = "";
        string[] groups = text.Split('-');
        string head = groups[0];
        if (!head.StartsWith("ORD", StringComparison.Ordinal) || head.Length == 3 || !head[3..].All(char.IsAsciiDigit))
        {
            problem = Malformed($"The key does not start with \"{Prefix}-\", so it is not a license key for this product.");
            return false;
        }

        if (head[3..] != Version)
        {
            problem = new(LicenseInvalidReason.UnsupportedVersion,
                $"The key is in format {head[3..]}, which this version of the program does not read "
                + $"(it reads format {Version}). A newer version of the program may accept it.");
            return false;
        }

        if (groups.Length < 2)
        {
            problem = Malformed($"The key has nothing after \"{head}\"; most of it is missing.");
            return false;
        }

        // Groups are numbered as a person counts them, with "ORD1" as group 1.
        var data = new StringBuilder(text.Length);
        for (int g = 1; g < groups.Length; g++)
        {
            string group = groups[g];
            int number = g + 1;
            bool last = g == groups.Length - 1;
            foreach (char c in group)
            {
                if (!Alphabet.Contains(c, StringComparison.Ordinal))
                {
                    string hint = c switch
                    {
                        'O' => " (if you typed the key, it is probably the digit 0)",
                        'I' or 'L' => " (if you typed the key, it is probably the digit 1)",
                        _ => "",
                    };
                    problem = Malformed(string.Create(CultureInfo.InvariantCulture,
                        $"The key contains the letter '{c}' in group {number}, which never appears in license keys{hint}."));
                    return false;
                }
            }

            if (group.Length == 0)
            {
                problem = Malformed(last
                    ? "The key is not in the expected format (it ends with a dash); part of it is probably missing."
                    : string.Create(CultureInfo.InvariantCulture,
                        $"The key is not in the expected format (group {number} is empty: two dashes in a row)."));
                return false;
            }

            if (last ? group.Length > GroupLength : group.Length != GroupLength)
            {
                string expected = last ? "at most " : "";
                problem = Malformed(string.Create(CultureInfo.InvariantCulture,
                    $"The key is not in the expected format (group {number} has {group.Length} characters, expected {expected}{GroupLength})."));
                return false;
            }

            data.Append(group);
        }

        symbols = data.ToString();
        problem = default;
        return true;
    }

    private static bool TryDecodeBase32(string symbols, out byte[] binary, out Problem problem)
    {
        binary = [];
        int byteCount = symbols.Length * 5 / 8;
        if ((byteCount * 8 + 4) / 5 != symbols.Length)
        {
            problem = Malformed("The key is incomplete or has extra characters at the end (its length is not one a key can have).");
            return false;
        }

        byte[] bytes = new byte[byteCount];
        int buffer = 0, bits = 0, index = 0;
        foreach (char c in symbols)
        {
            buffer = (buffer << 5) | Alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                bytes[index++] = (byte)(buffer >> bits);
                buffer &= (1 << bits) - 1;
            }
        }

        if (buffer != 0)
        {
            problem = Malformed("The key is incomplete, or its last character is wrong (no key ends with it).");
            return false;
        }

        binary = bytes;
        problem = default;
        return true;
    }

    private static string Describe(char c) =>
        c is >= '!' and <= '~'
            ? $"the character '{c}'"
            : string.Create(CultureInfo.InvariantCulture, $"the character U+{(int)c:X4}");

    private static Problem Malformed(string message) => new(LicenseInvalidReason.Malformed, message);

    private static bool TryAscii(byte[] bytes, out string text)
    {
        text = Encoding.ASCII.GetString(bytes);
        return bytes.All(b => b < 128);
    }

    private static void WriteAscii(List<byte> buffer, string value)
    {
        buffer.Add((byte)value.Length);
        buffer.AddRange(Encoding.ASCII.GetBytes(value));
    }

    private static void WriteUInt16(List<byte> buffer, int value)
    {
        buffer.Add((byte)(value >> 8));
        buffer.Add((byte)value);
    }

    private sealed class Reader(byte[] data)
    {
        private int _position;

        public bool AtEnd => _position == data.Length;

        public bool TryReadUInt(int size, out int value)
        {
            value = 0;
            if (data.Length - _position < size)
            {
                return false;
            }

            for (int i = 0; i < size; i++)
            {
                value = (value << 8) | data[_position++];
            }

            return true;
        }

        public bool TryReadBytes(int lengthBytes, out byte[] value)
        {
            value = [];
            if (!TryReadUInt(lengthBytes, out int length) || data.Length - _position < length)
            {
                return false;
            }

            value = data[_position..(_position + length)];
            _position += length;
            return true;
        }
    }
}

internal readonly record struct Problem(LicenseInvalidReason Reason, string Message);

internal sealed record DecodedKey(string KeyId, byte[] SignedMessage, byte[] Signature, RawFields Fields);

internal sealed record RawFields(byte[] LicenseId, byte[] Sku, byte[] LicenseeName, int Seats, byte[] OrderNumber, int DayNumber);
