using System.Collections.Frozen;

namespace GlobalBrain.Domain.Quality;

/// <summary>Checks behind <see cref="PiiRedactor"/>'s candidate patterns.</summary>
internal static class PiiValidators
{
    /// <summary>ISO 13616 lengths by country (SWIFT IBAN registry).</summary>
    private static readonly FrozenDictionary<string, int> IbanLengths = (
        "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 DO28 EE20 " +
        "EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 " +
        "KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 " +
        "PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 " +
        "UA29 VA22 VG24 XK20 YE30")
        .Split(' ')
        .ToFrozenDictionary(e => e[..2], e => int.Parse(e.AsSpan(2), System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);

    /// <summary>
    /// The length of the longest prefix of <paramref name="candidate"/> (whole groups when spaced) that is a
    /// valid IBAN, or 0.
    /// </summary>
    public static int IbanLength(ReadOnlySpan<char> candidate)
    {
        while (candidate.Length >= 15)
        {
            if (IsIban(candidate))
            {
                return candidate.Length;
            }

            var space = candidate.LastIndexOf(' ');
            if (space < 0)
            {
                return 0;
            }

            candidate = candidate[..space];
        }

        return 0;
    }

    private static bool IsIban(ReadOnlySpan<char> candidate)
    {
        Span<char> compact = stackalloc char[40];
        var n = 0;
        foreach (var c in candidate)
        {
            if (c != ' ')
            {
                if (n == compact.Length)
                {
                    return false;
                }

                compact[n++] = c;
            }
        }

        var lookup = IbanLengths.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(compact[..2], out var expected) || expected != n)
        {
            return false;
        }

        // Move the country and check digits to the end, letters to 10..35, then mod 97 digit by digit.
        var remainder = 0;
        for (var i = 0; i < n; i++)
        {
            var c = compact[(i + 4) % n];
            remainder = c is >= '0' and <= '9'
                ? ((remainder * 10) + (c - '0')) % 97
                : ((remainder * 100) + (c - 'A' + 10)) % 97;
        }

        return remainder == 1;
    }

    /// <summary>13–19 digits with one kind of separator, a card network's prefix and a valid Luhn check digit.</summary>
    public static bool IsCard(ReadOnlySpan<char> candidate)
    {
        Span<byte> digits = stackalloc byte[19];
        var n = 0;
        var separator = '\0';
        foreach (var c in candidate)
        {
            if (c is >= '0' and <= '9')
            {
                if (n == digits.Length)
                {
                    return false;
                }

                digits[n++] = (byte)(c - '0');
            }
            else if (separator == '\0')
            {
                separator = c;
            }
            else if (c != separator)
            {
                return false;
            }
        }

        return n >= 13 && HasNetworkPrefix(digits[..n]) && Luhn(digits[..n]);
    }

    internal static bool Luhn(ReadOnlySpan<byte> digits)
    {
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i];
            if (i % 2 == 1)
            {
                d *= 2;
                d = (byte)(d > 9 ? d - 9 : d);
            }

            sum += d;
        }

        return sum % 10 == 0;
    }

    private static bool HasNetworkPrefix(ReadOnlySpan<byte> d)
    {
        var length = d.Length;
        var p2 = (d[0] * 10) + d[1];
        var p4 = (p2 * 100) + (d[2] * 10) + d[3];
        return (d[0] == 4 && length is 13 or 16 or 19)
            || ((p2 is >= 51 and <= 55 || p4 is >= 2221 and <= 2720) && length == 16)
            || (p2 is 34 or 37 && length == 15)
            || (p2 is 30 or 36 or 38 or 39 && length >= 14)
            || (p4 is >= 3528 and <= 3589 && length >= 16)
            || (p2 is 50 or (>= 56 and <= 69) && length >= 12);
    }

    /// <summary>Four dotted octets 0–255, none with a leading zero.</summary>
    public static bool IsIpv4(ReadOnlySpan<char> candidate)
    {
        foreach (var range in candidate.Split('.'))
        {
            var octet = candidate[range];
            if (octet.Length == 0 || (octet.Length > 1 && octet[0] == '0') || int.Parse(octet, provider: System.Globalization.CultureInfo.InvariantCulture) > 255)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>At least two colon-separated groups with hex digits and four hex digits in all.</summary>
    public static bool HexDigitsInGroups(ReadOnlySpan<char> candidate)
    {
        var groups = 0;
        var hex = 0;
        foreach (var range in candidate.Split(':'))
        {
            var group = candidate[range];
            if (group.Length > 0)
            {
                groups++;
                hex += group.Length;
            }
        }

        return groups >= 2 && hex >= 4;
    }
}
