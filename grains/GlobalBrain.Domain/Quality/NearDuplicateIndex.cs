using System.Runtime.InteropServices;

namespace GlobalBrain.Domain.Quality;

/// <summary>
/// In-memory LSH index: band key → the first document that had it. A document that meets a band key
/// held by another document is a near-duplicate of it; the first one seen stays. The grains partition
/// the same map by band key, so each band is answered by one owner and "first" is the order in which
/// that owner saw the documents.
/// </summary>
public sealed class NearDuplicateIndex
{
    private readonly Dictionary<LshBandKey, string> _first = [];

    /// <summary>Band keys held.</summary>
    public int Count => _first.Count;

    /// <summary>
    /// Registers the bands of <paramref name="documentId"/>; returns the id of the earlier document that
    /// shares a band (the lowest band's holder when several do), or null when the document is new.
    /// Adding the same document again is not a duplicate of itself, so retries are harmless. The bands of
    /// a duplicate are registered too (as a band grain would, answering each band alone): a later text
    /// close to the duplicate but not to the original is caught as well.
    /// </summary>
    public string? Add(string documentId, ReadOnlySpan<LshBandKey> bands)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        string? duplicateOf = null;
        foreach (var band in bands)
        {
            ref var holder = ref CollectionsMarshal.GetValueRefOrAddDefault(_first, band, out var exists);
            if (!exists)
            {
                holder = documentId;
            }
            else if (duplicateOf is null && !string.Equals(holder, documentId, StringComparison.Ordinal))
            {
                duplicateOf = holder;
            }
        }

        return duplicateOf;
    }
}
