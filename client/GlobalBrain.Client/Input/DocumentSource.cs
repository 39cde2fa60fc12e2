using GlobalBrain.Domain.Documents;
using GlobalBrain.Grains;

namespace GlobalBrain.Client.Input;

/// <summary>How stdin (the path <c>-</c>) is read.</summary>
public enum StdinFormat
{
    /// <summary>JSON Lines when the first non-blank byte is '{', plain text otherwise.</summary>
    Auto,
    Text,
    Jsonl,
}

/// <summary>
/// Expands the PATH arguments of <c>ingest</c> (files, directories searched recursively for
/// *.txt and *.jsonl, and <c>-</c> for stdin) into documents. Files are read one at a time as the
/// documents are consumed; every problem becomes a <see cref="Rejection"/> and reading goes on.
/// </summary>
public sealed class DocumentSource
{
    private readonly List<Input> _inputs = [];
    private readonly List<Rejection> _rejections = [];
    private readonly TextSplit _split;
    private readonly StdinFormat _stdinFormat;
    private readonly Func<Stream> _openStdin;

    public DocumentSource(IEnumerable<string> paths, TextSplit split, StdinFormat stdinFormat, Func<Stream> openStdin)
    {
        ArgumentNullException.ThrowIfNull(paths);
        _split = split;
        _stdinFormat = stdinFormat;
        _openStdin = openStdin;
        foreach (var path in paths)
        {
            Expand(path);
        }
    }

    /// <summary>Everything refused so far, in the order it was found.</summary>
    public IReadOnlyList<Rejection> Rejections => _rejections;

    /// <summary>Total size of the files to read (stdin not included), for progress.</summary>
    public long TotalBytes => _inputs.Sum(i => i.Length);

    public int FileCount => _inputs.Count;

    /// <summary>Reads the inputs in order; call once.</summary>
    public IEnumerable<DocumentInput> ReadDocuments()
    {
        var documents = new List<Document>();
        foreach (var input in _inputs)
        {
            documents.Clear();
            byte[] bytes;
            try
            {
                bytes = input.Path is null ? ReadAll(_openStdin()) : File.ReadAllBytes(input.Path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _rejections.Add(new Rejection(input.Id, null, RejectionReason.Unreadable, $"cannot read the file ({e.Message})"));
                continue;
            }

            if (IsJsonLines(input, bytes))
            {
                DocumentParser.ParseJsonLines(bytes, input.Id, documents, _rejections);
            }
            else
            {
                DocumentParser.ParseText(bytes, input.Id, _split, documents, _rejections);
            }

            foreach (var document in documents)
            {
                yield return new DocumentInput(document.Id, document.Text);
            }
        }
    }

    private bool IsJsonLines(Input input, ReadOnlySpan<byte> bytes)
    {
        if (input.Path is not null)
        {
            return input.Path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase);
        }

        return _stdinFormat switch
        {
            StdinFormat.Jsonl => true,
            StdinFormat.Text => false,
            // The parsers skip a UTF-8 byte order mark; so must the sniffing, or BOM-prefixed JSON Lines read as one text.
            _ => DocumentParser.StripBom(bytes).TrimStart(" \t\r\n"u8) is [(byte)'{', ..],
        };
    }

    private void Expand(string path)
    {
        if (path == "-")
        {
            _inputs.Add(new Input("stdin", null, 0));
            return;
        }

        if (File.Exists(path))
        {
            _inputs.Add(new Input(Path.GetFileName(path), path, new FileInfo(path).Length));
            return;
        }

        if (!Directory.Exists(path))
        {
            _rejections.Add(new Rejection(path, null, RejectionReason.MissingPath, "no such file or directory"));
            return;
        }

        var before = _inputs.Count;
        var root = Path.GetFullPath(path);
        var pending = new Stack<string>();
        pending.Push(root);
        var found = new List<string>();
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            try
            {
                foreach (var file in Directory.EnumerateFiles(directory))
                {
                    if (file.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
                    {
                        found.Add(file);
                    }
                }

                foreach (var sub in Directory.EnumerateDirectories(directory))
                {
                    // Do not follow directory links: they can loop.
                    if (!new DirectoryInfo(sub).Attributes.HasFlag(FileAttributes.ReparsePoint))
                    {
                        pending.Push(sub);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _rejections.Add(new Rejection(Path.Combine(path, Path.GetRelativePath(root, directory)), null, RejectionReason.Unreadable, $"cannot list the directory ({e.Message})"));
            }
        }

        found.Sort(StringComparer.Ordinal);
        foreach (var file in found)
        {
            long length = 0;
            try
            {
                length = new FileInfo(file).Length;
            }
            catch (IOException)
            {
                // Reported when the file is read.
            }

            _inputs.Add(new Input(Path.GetRelativePath(root, file).Replace('\\', '/'), file, length));
        }

        if (_inputs.Count == before)
        {
            _rejections.Add(new Rejection(path, null, RejectionReason.NoDocuments, "the directory holds no *.txt or *.jsonl files"));
        }
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <param name="Id">The document id (or id prefix): the path relative to its argument, or "stdin".</param>
    /// <param name="Path">The file to read; null for stdin.</param>
    private sealed record Input(string Id, string? Path, long Length);
}
