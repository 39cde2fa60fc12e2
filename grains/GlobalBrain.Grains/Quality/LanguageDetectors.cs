using System.Collections.Concurrent;
using GlobalBrain.Domain.Quality;

namespace GlobalBrain.Grains.Quality;

/// <summary>
/// This silo's Lingua detectors, one per set of candidate languages, built when a batch first asks for that
/// set (its models then load, seconds and ~20 MB per Latin-script language) and shared by all tokenizer workers.
/// </summary>
public sealed class LanguageDetectors
{
    /// <summary>Distinct candidate sets kept; a new one beyond this drops the others (their models are hundreds of MB).</summary>
    private const int MaxSets = 4;

    private readonly ConcurrentDictionary<string, LanguageDetector> _detectors = new(StringComparer.Ordinal);

    /// <summary>The detector choosing among <paramref name="candidates"/> (ISO 639-1 codes; at least two).</summary>
    /// <exception cref="ArgumentException">An unknown code, or fewer than two.</exception>
    public LanguageDetector For(IReadOnlyCollection<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var key = string.Join(',', candidates.Select(c => c.Trim().ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal));
        if (_detectors.TryGetValue(key, out var detector))
        {
            return detector;
        }

        if (_detectors.Count >= MaxSets)
        {
            _detectors.Clear();
        }

        return _detectors.GetOrAdd(key, k => new LanguageDetector(k.Split(',')));
    }
}
