using Orleans.Concurrency;

namespace GlobalBrain.Grains;

/// <summary>Encodes batches of documents to token ids. A stateless worker: one activation per core per silo.</summary>
[Alias("GlobalBrain.ITokenizerGrain")]
public interface ITokenizerGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Tokenizes every document of the batch, hashes its knowledge items per expert, and frames training
    /// records when the batch asks for them. A document that cannot be tokenized is rejected, never the
    /// batch; a bad tokenizer spec throws <see cref="ArgumentException"/>.
    /// </summary>
    [Alias("Encode")]
    Task<EncodedBatch> EncodeAsync(IngestBatch batch);

    /// <summary>Applies the batch's language, quality and personal-data filters and computes the duplicate keys of what passes; tokenizes nothing.</summary>
    [Alias("Screen")]
    Task<ScreenedBatch> ScreenAsync(IngestBatch batch);
}

/// <summary>
/// The ingest front of one silo (key: the silo's address). It tokenizes on its own silo's
/// tokenizer workers, turns tokens into knowledge items and hands them to the experts.
/// </summary>
[Alias("GlobalBrain.IIngestGrain")]
public interface IIngestGrain : IGrainWithStringKey
{
    [Alias("Ingest")]
    Task<IngestBatchResult> IngestAsync(IngestBatch batch);

    /// <summary>Screens a batch on this silo's tokenizer workers (<see cref="ITokenizerGrain.ScreenAsync"/>), within the front's backpressure.</summary>
    [Alias("Screen")]
    Task<ScreenedBatch> ScreenAsync(IngestBatch batch);

    [Alias("GetInfo")]
    Task<IngestFrontInfo> GetInfoAsync();
}

/// <summary>An expert (key 0..N-1): owns a knowledge shard and exchanges it with peers at flow rate v.</summary>
[Alias("GlobalBrain.IExpertGrain")]
public interface IExpertGrain : IGrainWithIntegerKey
{
    /// <summary>Adds knowledge ingested at this expert; returns once it is stored.</summary>
    [Alias("Learn")]
    Task LearnAsync(KnowledgeDelta delta);

    /// <summary>Push-pull in one call: merges the caller's shard and answers with what the caller lacks (an empty shard when nothing).</summary>
    [Alias("Exchange")]
    Task<ShardSnapshot> ExchangeAsync(ShardSnapshot incoming);

    /// <summary>This expert's shard unless its digest equals <paramref name="digest"/> (then null: the caller knows the same).</summary>
    [Alias("Offer")]
    Task<ShardSnapshot?> OfferAsync(ulong digest);

    /// <summary>Push: merges the caller's shard.</summary>
    [Alias("Receive")]
    Task ReceiveAsync(ShardSnapshot incoming);

    /// <summary>Pull: this expert's shard, for the caller to merge.</summary>
    [Alias("Share")]
    Task<ShardSnapshot> ShareAsync();

    [Alias("GetReport")]
    Task<ExpertReport> GetReportAsync();

    /// <summary>
    /// Its silo's exchange clock says it is time: one exchange with a random neighbour (and a flush of
    /// what exchanges brought, once the flush interval has passed). Skipped while the last tick's exchange is still running.
    /// </summary>
    [Alias("Tick"), OneWay]
    Task TickAsync();
}

/// <summary>
/// One silo's partial aggregator (key: the silo's address): the metrics of the experts active on that
/// silo, from what they reported to it — it never calls an expert.
/// </summary>
[Alias("GlobalBrain.ISiloAggregatorGrain")]
public interface ISiloAggregatorGrain : IGrainWithStringKey
{
    [Alias("GetPartial")]
    Task<PartialMetrics> GetPartialAsync();
}

/// <summary>The global collective-intelligence metrics (key 0).</summary>
[Alias("GlobalBrain.IAggregatorGrain")]
public interface IAggregatorGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Metrics as of now: the silos' partial aggregators merged, and every expert none of them holds
    /// asked directly (which wakes it), so the figures cover all N experts.
    /// </summary>
    [Alias("GetMetrics")]
    Task<ClusterMetrics> GetMetricsAsync();

    /// <summary>
    /// The last pass's metrics if it ended at most <paramref name="maxAge"/> ago, else those of the pass under
    /// way, else of a new one: what every silo's gauges ask for every metrics interval, so that N silos asking
    /// at once make one pass, not N (each pass merges every silo's partial, arrays of its experts).
    /// Answered when the pass ends, however long: the first pass at 10^6 experts wakes them all (minutes). With
    /// the messaging default of 30 s the gauges' call timed out while the pass went on, and the aggregator's silo
    /// logged a warning for every status update it could no longer deliver (1,675 on one of three silos at 10^6).
    /// </summary>
    [Alias("GetRecentMetrics")]
    [ResponseTimeout(RecentMetricsTimeout)]
    Task<ClusterMetrics> GetRecentMetricsAsync(TimeSpan maxAge);

    [Alias("GetSettings")]
    Task<ClusterSettings> GetSettingsAsync();

    /// <summary>How long <see cref="GetRecentMetricsAsync"/> is waited for (a gauge refresh runs one at a time).</summary>
    public const string RecentMetricsTimeout = "00:15:00";
}

/// <summary>
/// A tokenizer vocabulary shared with every silo (key: the SHA-256 of the file, lowercase hex), so
/// that a client's --vocab file reaches silos on other machines.
/// </summary>
[Alias("GlobalBrain.IVocabularyGrain")]
public interface IVocabularyGrain : IGrainWithStringKey
{
    /// <summary>Stores the file; throws <see cref="ArgumentException"/> if it does not hash to the key or is not a usable vocabulary.</summary>
    [Alias("Register")]
    Task RegisterAsync(VocabularyFile file);

    /// <summary>The file, or null if none was registered under this hash.</summary>
    [Alias("Get")]
    Task<VocabularyFile?> GetAsync();
}
