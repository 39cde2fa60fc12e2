using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace GlobalBrain.Domain.Quality;

/// <summary>Kinds of personal data <see cref="PiiRedactor"/> replaces, in the order they claim text.</summary>
public enum PiiKind
{
    Email,
    Iban,
    CreditCard,
    Ip,
    Phone,
}

/// <summary>How many spans of each kind were replaced.</summary>
public readonly record struct PiiCounts(int Email, int Phone, int Ip, int CreditCard, int Iban)
{
    public int Total => Email + Phone + Ip + CreditCard + Iban;

    public int this[PiiKind kind] => kind switch
    {
        PiiKind.Email => Email,
        PiiKind.Phone => Phone,
        PiiKind.Ip => Ip,
        PiiKind.CreditCard => CreditCard,
        _ => Iban,
    };

    internal PiiCounts Add(PiiKind kind) => kind switch
    {
        PiiKind.Email => this with { Email = Email + 1 },
        PiiKind.Phone => this with { Phone = Phone + 1 },
        PiiKind.Ip => this with { Ip = Ip + 1 },
        PiiKind.CreditCard => this with { CreditCard = CreditCard + 1 },
        _ => this with { Iban = Iban + 1 },
    };
}

/// <summary>The redacted text (the same instance when nothing matched) and what was replaced.</summary>
public readonly record struct PiiRedaction(string Text, PiiCounts Counts);

/// <summary>
/// Replaces personal data by typed placeholders before text is tokenized, in the manner of Presidio's
/// pattern recognizers (a candidate pattern, then a validator):
/// <list type="bullet">
/// <item><c>[EMAIL]</c>: local@domain.tld (letters, digits, . _ % + - in the local part; a TLD of 2+ letters).</item>
/// <item><c>[IBAN]</c>: ISO 13616 — a known country with its registered length, compact or in groups of four,
/// mod-97 of the rearranged number = 1.</item>
/// <item><c>[CREDIT_CARD]</c>: 13–19 digits, plain or grouped by one kind of separator (space or hyphen), a card
/// network's prefix (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro) and a valid Luhn check.</item>
/// <item><c>[IP]</c>: IPv4 dotted quads with octets 0–255 that are not part of a longer dotted number or a version
/// (v1.2.3.4); IPv6 candidates accepted by <see cref="IPAddress.TryParse(string, out IPAddress)"/>, with at least
/// two hex groups and four hex digits (so C++'s <c>a::b</c> stays).</item>
/// <item><c>[PHONE]</c>: international numbers (+ or 00, country code, 8–15 digits in all — E.164's bound);
/// North-American numbers shaped (NXX) NXX-XXXX or NXX-NXX-XXXX, optionally with a leading 1; national numbers
/// with a trunk 0 and 9–11 digits in at least two groups (020 7946 0958, 06 12 34 56 78).</item>
/// </list>
/// Not detected: names, postal addresses, dates of birth, national identity and passport numbers, licence
/// plates, MAC addresses, IBANs of countries outside the table or in lower case, national phone numbers
/// written as one unbroken run of digits without + (indistinguishable from order numbers), and any of the
/// above spelled out in words. Names and addresses need a named-entity model, which this project does not have.
/// </summary>
public static partial class PiiRedactor
{
    private static readonly (PiiKind Kind, string Placeholder)[] Kinds =
    [
        (PiiKind.Email, "[EMAIL]"), (PiiKind.Iban, "[IBAN]"), (PiiKind.CreditCard, "[CREDIT_CARD]"),
        (PiiKind.Ip, "[IP]"), (PiiKind.Phone, "[PHONE]"),
    ];

    /// <summary>Redacts <paramref name="text"/>; allocates nothing when it holds no candidate.</summary>
    public static PiiRedaction Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        List<(int Start, int Length, PiiKind Kind)>? spans = null;
        if (text.Contains('@'))
        {
            foreach (var m in EmailPattern().EnumerateMatches(text))
            {
                Claim(ref spans, m.Index, m.Length, PiiKind.Email);
            }
        }

        if (text.AsSpan().IndexOfAnyInRange('0', '9') < 0)
        {
            return Build(text, spans);
        }

        foreach (var m in IbanPattern().EnumerateMatches(text))
        {
            var length = PiiValidators.IbanLength(text.AsSpan(m.Index, m.Length));
            if (length > 0)
            {
                Claim(ref spans, m.Index, length, PiiKind.Iban);
            }
        }

        foreach (var m in CardPattern().EnumerateMatches(text))
        {
            if (PiiValidators.IsCard(text.AsSpan(m.Index, m.Length)))
            {
                Claim(ref spans, m.Index, m.Length, PiiKind.CreditCard);
            }
        }

        if (text.Contains(':'))
        {
            foreach (var m in Ipv6Pattern().EnumerateMatches(text))
            {
                var candidate = text.AsSpan(m.Index, m.Length);
                if (PiiValidators.HexDigitsInGroups(candidate) && IPAddress.TryParse(candidate, out var address)
                    && address.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    Claim(ref spans, m.Index, m.Length, PiiKind.Ip);
                }
            }
        }

        foreach (var m in Ipv4Pattern().EnumerateMatches(text))
        {
            if (PiiValidators.IsIpv4(text.AsSpan(m.Index, m.Length)))
            {
                Claim(ref spans, m.Index, m.Length, PiiKind.Ip);
            }
        }

        foreach (var m in PhoneCandidatePattern().EnumerateMatches(text))
        {
            PhoneScanner.Find(text, m.Index, m.Length, ref spans);
        }

        return Build(text, spans);
    }

    internal static void Claim(ref List<(int Start, int Length, PiiKind Kind)>? spans, int start, int length, PiiKind kind)
    {
        spans ??= [];
        foreach (var (s, l, _) in spans)
        {
            if (start < s + l && s < start + length)
            {
                return;
            }
        }

        spans.Add((start, length, kind));
    }

    private static PiiRedaction Build(string text, List<(int Start, int Length, PiiKind Kind)>? spans)
    {
        if (spans is null || spans.Count == 0)
        {
            return new PiiRedaction(text, default);
        }

        spans.Sort((x, y) => x.Start.CompareTo(y.Start));
        var builder = new StringBuilder(text.Length);
        var counts = default(PiiCounts);
        var at = 0;
        foreach (var (start, length, kind) in spans)
        {
            builder.Append(text, at, start - at).Append(Kinds[(int)kind].Placeholder);
            counts = counts.Add(kind);
            at = start + length;
        }

        builder.Append(text, at, text.Length - at);
        return new PiiRedaction(builder.ToString(), counts);
    }

    [GeneratedRegex(@"(?<![\w.%+-])[\p{L}\p{N}._%+-]{1,64}@[\p{L}\p{N}-]{1,63}(?:\.[\p{L}\p{N}-]{1,63}){0,8}\.\p{L}{2,24}(?![\p{L}\p{N}-])", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"(?<![\w-])[A-Z]{2}[0-9]{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)(?![\w-])", RegexOptions.CultureInvariant)]
    private static partial Regex IbanPattern();

    [GeneratedRegex(@"(?<![\w.,+-])\d(?:[ -]?\d){12,18}(?![\w-]|[.,]\d)", RegexOptions.CultureInvariant)]
    private static partial Regex CardPattern();

    [GeneratedRegex(@"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}|[0-9A-Fa-f]{0,4})(?![\w:]|\.\d)", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv6Pattern();

    [GeneratedRegex(@"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w]|\.\d)", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv4Pattern();

    [GeneratedRegex(@"(?<![\w+.,/-])(?:\+|\(\+?)?\d[\d ().-]{5,24}\d(?![\w]|[.,-]\d)", RegexOptions.CultureInvariant)]
    private static partial Regex PhoneCandidatePattern();
}
