using System.Runtime.InteropServices;

namespace GlobalBrain.Domain.Simulation;

/// <summary>
/// Where a long compact run saves its state after every round (the informed set and the rounds so far),
/// so that an interrupted run resumes where it stopped and ends with the same rounds as one that was not.
/// The file is replaced atomically (written beside it, then renamed); it fits only the N, v, mode and
/// seed it was written for.
/// </summary>
public sealed class CompactCheckpoint(string path)
{
    private const string Magic = "GlobalBrain.CompactRumor/1";

    public string Path { get; } = path;

    /// <summary>The saved state, or null when there is no file yet; throws <see cref="InvalidDataException"/> when the file is not one for <paramref name="spec"/>.</summary>
    public SavedState? TryLoad(SimulationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!File.Exists(Path))
        {
            return null;
        }

        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        using var reader = new BinaryReader(stream);
        string magic;
        try
        {
            magic = reader.ReadString();
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException)
        {
            throw new InvalidDataException($"'{Path}' is not a simulate checkpoint", e);
        }

        if (magic != Magic)
        {
            throw new InvalidDataException($"'{Path}' is not a simulate checkpoint");
        }

        var (experts, flowRate, mode, seed) = (reader.ReadInt64(), reader.ReadDouble(), (ExchangeMode)reader.ReadInt32(), reader.ReadUInt64());
        if (!Enum.IsDefined(mode))
        {
            throw new InvalidDataException($"'{Path}' is not a simulate checkpoint (exchange mode {(int)mode})");
        }

        if (experts != spec.Experts || BitConverter.DoubleToInt64Bits(flowRate) != BitConverter.DoubleToInt64Bits(spec.FlowRate) || mode != spec.Mode || seed != spec.Seed)
        {
            throw new InvalidDataException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"'{Path}' is the checkpoint of another run (N = {experts}, v = {flowRate:R}, {mode.Name()}, seed {seed}); resume with those options or give another --checkpoint file"));
        }

        var count = reader.ReadInt32();
        var rounds = new List<RoundStats>(count);
        for (var i = 0; i < count; i++)
        {
            rounds.Add(new RoundStats(reader.ReadInt32(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadInt64(), reader.ReadInt64()));
        }

        var informed = GC.AllocateUninitializedArray<ulong>(checked((int)((experts + 63) / 64)));
        stream.ReadExactly(MemoryMarshal.AsBytes(informed.AsSpan()));
        return new SavedState(rounds, informed);
    }

    /// <summary>Replaces the file with the state after the last of <paramref name="rounds"/>.</summary>
    public void Save(SimulationSpec spec, IReadOnlyList<RoundStats> rounds, ulong[] informed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(rounds);
        ArgumentNullException.ThrowIfNull(informed);
        var temporary = Path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            using var writer = new BinaryWriter(stream);
            writer.Write(Magic);
            writer.Write(spec.Experts);
            writer.Write(spec.FlowRate);
            writer.Write((int)spec.Mode);
            writer.Write(spec.Seed);
            writer.Write(rounds.Count);
            foreach (var r in rounds)
            {
                writer.Write(r.Round);
                writer.Write(r.MeanReach);
                writer.Write(r.MinReach);
                writer.Write(r.P50Reach);
                writer.Write(r.StdReach);
                writer.Write(r.CollectiveIntelligence);
                writer.Write(r.Exchanges);
                writer.Write(r.BytesExchanged);
            }

            writer.Flush();
            stream.Write(MemoryMarshal.AsBytes(informed.AsSpan()));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    /// <summary>A run's state after its last saved round.</summary>
    public sealed record SavedState(IReadOnlyList<RoundStats> Rounds, ulong[] Informed);
}
