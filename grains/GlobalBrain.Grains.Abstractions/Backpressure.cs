namespace GlobalBrain.Grains;

/// <summary>
/// A silo's ingest front is full: it has as many batches in flight as it takes and none finished
/// within its queue timeout. Nothing of the batch was done; send it again later (the dispatcher
/// backs off and retries, on another silo when there is one).
/// </summary>
[GenerateSerializer, Alias("GlobalBrain.IngestBusyException")]
public sealed class IngestBusyException : OrleansException
{
    public IngestBusyException()
    {
    }

    public IngestBusyException(string message)
        : base(message)
    {
    }

    public IngestBusyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
