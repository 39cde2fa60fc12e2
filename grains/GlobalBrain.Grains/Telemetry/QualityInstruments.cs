using System.Diagnostics.Metrics;

namespace GlobalBrain.Grains.Telemetry;

/// <summary>
/// The data-quality counters of the <c>GlobalBrain</c> meter (one set per silo). Tags take bounded sets of
/// values: the filter (dedup, pii, language, quality), its reason (exact/near, a kind of personal data, a
/// language code among the detector's candidates, a rule name), and the document's language when detection ran.
/// </summary>
public sealed class QualityInstruments
{
    private readonly Counter<long> _filtered;
    private readonly Counter<long> _redacted;
    private readonly Counter<long> _languages;

    public QualityInstruments(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(GlobalBrainInstruments.MeterName);
        _filtered = meter.CreateCounter<long>("globalbrain.documents.filtered", "{document}", "Documents a data-quality filter dropped before tokenizing, by filter (dedup, pii, language, quality), reason and language.");
        _redacted = meter.CreateCounter<long>("globalbrain.pii.redacted", "{span}", "Personal-data spans replaced by a placeholder before tokenizing, by kind (email, phone, ip, credit_card, iban).");
        _languages = meter.CreateCounter<long>("globalbrain.documents.language", "{document}", "Documents that passed language detection, by detected language.");
    }

    public void Filtered(FilterCount count)
    {
        ArgumentNullException.ThrowIfNull(count);
        var tags = new System.Diagnostics.TagList
        {
            { "filter", count.Filter },
            { "reason", count.Reason },
        };
        if (count.Language is { } language)
        {
            tags.Add("language", language);
        }

        _filtered.Add(count.Count, tags);
    }

    public void Redacted(RedactionCount count)
    {
        ArgumentNullException.ThrowIfNull(count);
        _redacted.Add(count.Count, new KeyValuePair<string, object?>("kind", count.Kind));
    }

    public void Passed(string language, long count) =>
        _languages.Add(count, new KeyValuePair<string, object?>("language", language));
}
