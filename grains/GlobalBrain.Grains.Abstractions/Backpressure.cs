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

/// <summary>
/// An expert could not store a batch (the grain storage did not answer, failed, or had moved on from
/// the expert's version of its state). The batch is not acknowledged; send it again later: what was
/// stored of it is recognised by its batch id and not counted twice. The message says what failed in
/// words, never the storage's internals (commands, keys).
/// </summary>
[GenerateSerializer, Alias("GlobalBrain.ExpertStorageException")]
public sealed class ExpertStorageException : OrleansException
{
    public ExpertStorageException()
    {
    }

    public ExpertStorageException(string message)
        : base(message)
    {
    }

    public ExpertStorageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
