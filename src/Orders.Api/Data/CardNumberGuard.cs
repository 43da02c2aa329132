namespace Orders.Api.Data;

// Defence in depth for "never keep card data": anything that looks like a payment card number
// (a run of 13–19 digits, optionally grouped by single spaces or dashes, passing the Luhn check)
// is refused before it can reach the database, a log line or an e-mail. A run glued to a letter is
// part of an identifier, not a card number: providers' ids are letters and digits mixed
// (PayPal's "WH-2WR32451HC0233532-67976317FL4543714"), and one in ten digit runs passes Luhn by
// chance, so without that rule a genuine payment webhook would be refused on every retry.
internal static class CardNumberGuard
{
    public static bool ContainsCardLikeNumber(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        Span<int> digits = stackalloc int[20];
        var i = 0;
        while (i < text.Length)
        {
            if (!char.IsAsciiDigit(text[i]))
            {
                i++;
                continue;
            }

            // One run: digits with single separators between them. Longer than 19 digits is not a card.
            var gluedToLetter = i > 0 && char.IsLetter(text[i - 1]);
            var count = 0;
            while (i < text.Length)
            {
                if (char.IsAsciiDigit(text[i]))
                {
                    if (count < digits.Length)
                    {
                        digits[count] = text[i] - '0';
                    }

                    count++;
                    i++;
                }
                else if ((text[i] == ' ' || text[i] == '-') && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1]))
                {
                    i++;
                }
                else
                {
                    break;
                }
            }

            gluedToLetter |= i < text.Length && char.IsLetter(text[i]);
            if (count is >= 13 and <= 19 && !gluedToLetter && PassesLuhn(digits[..count]))
            {
                return true;
            }
        }

        return false;
    }

    public static void EnsureNoCardNumbers(params ReadOnlySpan<string?> values)
    {
        foreach (var value in values)
        {
            if (ContainsCardLikeNumber(value))
            {
                throw new CardDataRefusedException();
            }
        }
    }

    private static bool PassesLuhn(ReadOnlySpan<int> digits)
    {
        var sum = 0;
        var doubleIt = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i];
            if (doubleIt)
            {
                d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            }

            sum += d;
            doubleIt = !doubleIt;
        }

        return sum % 10 == 0;
    }
}

internal sealed class CardDataRefusedException()
    : InvalidOperationException("A value that looks like a payment card number was refused; card data is never stored.");
