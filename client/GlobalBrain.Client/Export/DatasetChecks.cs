using System.Globalization;
using GlobalBrain.Grains;

namespace GlobalBrain.Client.Export;

/// <summary>What <see cref="DatasetWriter"/> checks before it writes: its directory and every record of a batch.</summary>
internal static class DatasetChecks
{
    /// <summary>The dataset directory as a full path, created; refused when it is a file or already holds files.</summary>
    public static string PrepareDirectory(string directory)
    {
        string fullPath;
        try
        {
            fullPath = Path.GetFullPath(directory);
        }
        catch (Exception exception) when (exception is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new DatasetExportException($"'{directory}' is not a usable directory path: {exception.Message}", exception);
        }

        if (File.Exists(fullPath))
        {
            throw new DatasetExportException($"'{fullPath}' is a file; choose a new or empty directory for the dataset");
        }

        try
        {
            if (Directory.Exists(fullPath) && Directory.EnumerateFileSystemEntries(fullPath).Any())
            {
                throw new DatasetExportException($"'{fullPath}' already holds files; choose a new or empty directory");
            }

            Directory.CreateDirectory(fullPath);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new DatasetExportException($"cannot create the dataset directory '{fullPath}': {exception.Message}", exception);
        }

        return fullPath;
    }

    /// <summary>Refuses a batch with a record the writer cannot store (null parts, lengths that differ, a mask value other than 0/1, a negative chunk).</summary>
    public static void Validate(IReadOnlyList<EncodedRecord> records)
    {
        for (var index = 0; index < records.Count; index++)
        {
            var record = records[index];
            if (record is null)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"record {index} of the batch is null"), nameof(records));
            }

            if (record.DocumentId is null)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"record {index} of the batch has no document id"), nameof(records));
            }

            if (record.InputIds is null || record.AttentionMask is null)
            {
                throw new ArgumentException($"the record of document '{record.DocumentId}' has no input ids or no attention mask", nameof(records));
            }

            if (record.InputIds.Length != record.AttentionMask.Length)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"the record of document '{record.DocumentId}' (chunk {record.Chunk}) has {record.InputIds.Length} input ids but {record.AttentionMask.Length} attention mask values; they must be the same length"),
                    nameof(records));
            }

            if (record.AttentionMask.AsSpan().ContainsAnyExcept((byte)0, (byte)1))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"the attention mask of document '{record.DocumentId}' (chunk {record.Chunk}) holds a value other than 0 or 1"), nameof(records));
            }

            if (record.Chunk < 0)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"the record of document '{record.DocumentId}' has chunk {record.Chunk}; chunks count from 0"), nameof(records));
            }
        }
    }
}
