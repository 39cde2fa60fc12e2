namespace GlobalBrain.Domain.Quality;

/// <summary>
/// Phone numbers inside a run of digits, spaces, dots, hyphens and parentheses: the run is cut into digit
/// groups, and the longest runs of consecutive groups that have a phone number's shape are claimed.
/// </summary>
internal static class PhoneScanner
{
    public static void Find(string text, int index, int length, ref List<(int Start, int Length, PiiKind Kind)>? spans)
    {
        var run = text.AsSpan(index, length);
        var plus = run[0] == '+' || (run.Length > 1 && run[0] == '(' && run[1] == '+');
        Span<(int Start, int End)> groups = stackalloc (int, int)[16];
        var count = 0;
        for (var i = 0; i < run.Length && count < groups.Length;)
        {
            if (char.IsAsciiDigit(run[i]))
            {
                var start = i;
                while (i < run.Length && char.IsAsciiDigit(run[i]))
                {
                    i++;
                }

                groups[count++] = (start, i);
            }
            else
            {
                i++;
            }
        }

        var first = 0;
        while (first < count)
        {
            var matched = -1;
            for (var last = count - 1; last >= first && matched < 0; last--)
            {
                if (IsPhone(run, groups[first..(last + 1)], plus && first == 0))
                {
                    matched = last;
                }
            }

            if (matched < 0)
            {
                // A number starts where its run of digits starts: "DE89 3704 0044 …" holds no "0044 …" phone.
                return;
            }

            var spanStart = first == 0 ? 0 : groups[first].Start - (run[groups[first].Start - 1] == '(' ? 1 : 0);
            PiiRedactor.Claim(ref spans, index + spanStart, groups[matched].End - spanStart, PiiKind.Phone);
            first = matched + 1;
        }
    }

    private static bool IsPhone(ReadOnlySpan<char> run, ReadOnlySpan<(int Start, int End)> groups, bool plus)
    {
        var digits = 0;
        for (var g = 0; g < groups.Length; g++)
        {
            digits += groups[g].End - groups[g].Start;
            if (g > 0 && !IsSeparator(run[groups[g - 1].End..groups[g].Start]))
            {
                return false;
            }
        }

        var head = run[groups[0].Start..groups[0].End];
        if (plus)
        {
            return digits is >= 8 and <= 15;
        }

        if (head.StartsWith("00"))
        {
            return head.Length <= 5 && digits - 2 is >= 8 and <= 15;
        }

        if (IsNorthAmerican(run, groups))
        {
            return true;
        }

        // National with a trunk 0: one separator kind between all groups, so lists of decimals stay.
        if (head[0] != '0' || groups.Length < 2 || digits is < 9 or > 11)
        {
            return false;
        }

        var kind = run[groups[0].End];
        for (var g = 1; g < groups.Length; g++)
        {
            var separator = run[groups[g - 1].End..groups[g].Start];
            if (separator.Length != 1 || separator[0] != kind)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>[1] NXX NXX XXXX with N = 2..9, the area code optionally in parentheses.</summary>
    private static bool IsNorthAmerican(ReadOnlySpan<char> run, ReadOnlySpan<(int Start, int End)> groups)
    {
        if (groups.Length == 4 && groups[0].End - groups[0].Start == 1 && run[groups[0].Start] == '1')
        {
            groups = groups[1..];
        }

        return groups.Length == 3
            && groups[0].End - groups[0].Start == 3 && run[groups[0].Start] >= '2'
            && groups[1].End - groups[1].Start == 3 && run[groups[1].Start] >= '2'
            && groups[2].End - groups[2].Start == 4;
    }

    /// <summary>One space, hyphen or dot, optionally with parentheses around the group before or after.</summary>
    private static bool IsSeparator(ReadOnlySpan<char> separator) =>
        separator is " " or "-" or "." or ") " or ")" or " (" or "(" or ")-" or ") (" or ")." || separator.IsEmpty;
}
