using System.Diagnostics;
using GlobalBrain.Domain.Quality;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Domain.Tests.Quality;

/// <summary>
/// Acceptance: personal data in many formats is redacted, every one, and none of the near-misses (numbers
/// that look alike but fail a checksum, a range or the shape) is touched.
/// </summary>
public sealed class PiiRedactorTests(ITestOutputHelper output)
{
    public static TheoryData<string, PiiKind> Positives => new()
    {
        { "john.doe@example.com", PiiKind.Email },
        { "j_smith+news@mail.co.uk", PiiKind.Email },
        { "ANNA.Lopez@Empresa.ES", PiiKind.Email },
        { "li.wei@例子.中国", PiiKind.Email },
        { "x@sub-domain.example.org", PiiKind.Email },
        { "+1 415 555 2671", PiiKind.Phone },
        { "+1-800-555-0199", PiiKind.Phone },
        { "+44 20 7946 0958", PiiKind.Phone },
        { "+44 (0)20 7946 0958", PiiKind.Phone },
        { "+49 30 12345678", PiiKind.Phone },
        { "+4915112345678", PiiKind.Phone },
        { "+33 6 12 34 56 78", PiiKind.Phone },
        { "+34 612 34 56 78", PiiKind.Phone },
        { "+86 138 0013 8000", PiiKind.Phone },
        { "+81 3-1234-5678", PiiKind.Phone },
        { "0049 30 1234567", PiiKind.Phone },
        { "(415) 555-2671", PiiKind.Phone },
        { "415-555-2671", PiiKind.Phone },
        { "415.555.2671", PiiKind.Phone },
        { "1-800-555-0199", PiiKind.Phone },
        { "020 7946 0958", PiiKind.Phone },
        { "06 12 34 56 78", PiiKind.Phone },
        { "030-1234567", PiiKind.Phone },
        { "192.168.1.20", PiiKind.Ip },
        { "8.8.8.8", PiiKind.Ip },
        { "255.255.255.0", PiiKind.Ip },
        { "2001:db8:85a3::8a2e:370:7334", PiiKind.Ip },
        { "2001:0db8:0000:0000:0000:ff00:0042:8329", PiiKind.Ip },
        { "fe80::1ff:fe23:4567:890a", PiiKind.Ip },
        { "::ffff:192.0.2.128", PiiKind.Ip },
        { "4111 1111 1111 1111", PiiKind.CreditCard },
        { "4111-1111-1111-1111", PiiKind.CreditCard },
        { "5500005555555559", PiiKind.CreditCard },
        { "3782 822463 10005", PiiKind.CreditCard },
        { "6011 0009 9013 9424", PiiKind.CreditCard },
        { "3530111333300000", PiiKind.CreditCard },
        { "2223003122003222", PiiKind.CreditCard },
        { "DE89 3704 0044 0532 0130 00", PiiKind.Iban },
        { "DE89370400440532013000", PiiKind.Iban },
        { "GB29 NWBK 6016 1331 9268 19", PiiKind.Iban },
        { "ES91 2100 0418 4502 0005 1332", PiiKind.Iban },
        { "FR14 2004 1010 0505 0001 3M02 606", PiiKind.Iban },
        { "NL91ABNA0417164300", PiiKind.Iban },
        { "CH93 0076 2011 6238 5295 7", PiiKind.Iban },
    };

    public static TheoryData<string> NearMisses => new()
    {
        "4111 1111 1111 1112",
        "1234 5678 9012 3456",
        "DE89 3704 0044 0532 0130 01",
        "GB29 NWBK 6016 1331 9268 18",
        "XX89370400440532013000",
        "999.1.1.1",
        "256.100.50.25",
        "1.2.3.4.5",
        "version 10.0.19041.1",
        "v1.2.3.4",
        "2024-01-15",
        "15/01/2024",
        "15.01.2024",
        "12:30:45",
        "ISBN 978-3-16-148410-0",
        "Order #123456789",
        "order no. ORD-2023-004512",
        "invoice 2023/0045/12",
        "total 1,234,567.89",
        "from 1999-2004",
        "0.5 0.25 0.125",
        "555-0199",
        "std::vector<int> and a::b",
        "ratio 16:9 at 3:2",
        "00:1A:2B:3C:4D:5E",
        "user at example dot com",
        "@handle and name@localhost",
        "pages 12-34, 56-78",
    };

    [Theory]
    [MemberData(nameof(Positives))]
    public void Redacts_EachFormat_AsItsKind(string pii, PiiKind kind)
    {
        var text = $"Contact: {pii}. Thanks";
        var result = PiiRedactor.Redact(text);

        Assert.Equal(1, result.Counts.Total);
        Assert.Equal(1, result.Counts[kind]);
        Assert.DoesNotContain(pii, result.Text, StringComparison.Ordinal);
        Assert.StartsWith("Contact: [", result.Text, StringComparison.Ordinal);
        Assert.EndsWith("]. Thanks", result.Text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(NearMisses))]
    public void LeavesNearMisses_Untouched(string nearMiss)
    {
        var text = $"See {nearMiss} here.";
        var result = PiiRedactor.Redact(text);

        Assert.True(result.Counts.Total == 0, $"redacted as {result.Counts}: {result.Text}");
        Assert.Same(text, result.Text);
    }

    [Fact]
    public void LabelledSet_AllPositivesRedacted_NoNearMissTouched()
    {
        // Everything in one document: positives and near-misses interleaved, as text arrives.
        var positives = ((IEnumerable<object[]>)Positives).Select(row => (string)row[0]).ToList();
        var nearMisses = ((IEnumerable<object[]>)NearMisses).Select(row => (string)row[0]).ToList();
        var parts = new List<string>();
        for (var i = 0; i < Math.Max(positives.Count, nearMisses.Count); i++)
        {
            if (i < positives.Count)
            {
                parts.Add($"write to {positives[i]} today");
            }

            if (i < nearMisses.Count)
            {
                parts.Add($"note {nearMisses[i]} there");
            }
        }

        var result = PiiRedactor.Redact(string.Join("\n", parts));

        var leaked = positives.Where(p => result.Text.Contains(p, StringComparison.Ordinal)).ToList();
        var damaged = nearMisses.Where(n => !result.Text.Contains(n, StringComparison.Ordinal)).ToList();
        output.WriteLine($"{positives.Count} positives, {nearMisses.Count} near-misses; redacted {result.Counts.Total} ({result.Counts}); leaked {leaked.Count}, near-misses damaged {damaged.Count}");
        Assert.Empty(leaked);
        Assert.Empty(damaged);
        Assert.Equal(positives.Count, result.Counts.Total);
    }

    [Fact]
    public void Redact_WithoutCandidates_AllocatesNothing()
    {
        // Early (tier-0, instrumented) code may allocate where the optimised code does not: measure batches
        // until one allocates nothing or the deadline passes, and report the last figure.
        var text = "A plain sentence with numbers 12 and 2024 but nothing personal, and an @mention.";
        var clock = Stopwatch.StartNew();
        long perBatch;
        do
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 1000; i++)
            {
                Assert.Same(text, PiiRedactor.Redact(text).Text);
            }

            perBatch = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        while (perBatch != 0 && clock.Elapsed < TimeSpan.FromSeconds(10));

        Assert.True(perBatch == 0, $"{perBatch} bytes allocated by 1000 calls without a candidate");
    }

    [Fact]
    public void Redact_CountsEachKind_AndKeepsTheRest()
    {
        var result = PiiRedactor.Redact("Mail a@b.io or c@d.org, call +1 415 555 2671, from 10.0.0.1 pay 4111111111111111 IBAN DE89370400440532013000.");

        Assert.Equal("Mail [EMAIL] or [EMAIL], call [PHONE], from [IP] pay [CREDIT_CARD] IBAN [IBAN].", result.Text);
        Assert.Equal(new PiiCounts(Email: 2, Phone: 1, Ip: 1, CreditCard: 1, Iban: 1), result.Counts);
    }
}
