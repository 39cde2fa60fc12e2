namespace GlobalBrain.Client.Export;

/// <summary>A dataset could not be written; the message says which file or directory, and why.</summary>
public sealed class DatasetExportException : Exception
{
    public DatasetExportException()
    {
    }

    public DatasetExportException(string message)
        : base(message)
    {
    }

    public DatasetExportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
