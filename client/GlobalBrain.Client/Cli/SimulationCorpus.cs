using GlobalBrain.Client.Input;
using GlobalBrain.Domain.Documents;
using GlobalBrain.Domain.Simulation;
using GlobalBrain.Domain.Tokenization;

namespace GlobalBrain.Client.Cli;

/// <summary>The documents of <c>simulate --scenario corpus --docs PATH</c>, as token ids, and how many inputs were rejected.</summary>
internal sealed record SimulationCorpus(IReadOnlyList<(string Id, int[] TokenIds)> Documents, int Rejected)
{
    /// <summary>The documents of --docs, tokenized with the default tokenizer on all cores; bad inputs are reported and skipped, as in ingest.</summary>
    public static async Task<SimulationCorpus> ReadAsync(string docs, CliContext context, CancellationToken cancellationToken)
    {
        var source = new DocumentSource([docs], TextSplit.None, StdinFormat.Auto, context.OpenStdin);
        var documents = source.ReadDocuments().ToList();
        foreach (var rejection in source.Rejections.Take(20))
        {
            var where = rejection.Line is { } line ? $"{rejection.Source}:{line}" : rejection.Source;
            await context.Error.WriteLineAsync($"globalbrain: rejected {where}: {rejection.Message}");
        }

        if (documents.Count == 0)
        {
            throw new CliException($"--docs {docs}: no documents to simulate with", ExitCodes.Usage);
        }

        var encoder = TextEncoders.Get(TextEncoders.Default);
        var tokens = new int[documents.Count][];
        Parallel.For(0, documents.Count, new ParallelOptions { CancellationToken = cancellationToken }, i => tokens[i] = encoder.Encode(documents[i].Text));
        return new SimulationCorpus([.. documents.Select((d, i) => (d.Id, tokens[i]))], source.Rejections.Count);
    }

    /// <summary>The items of the corpus spread over each N of the grid, checked against every point.</summary>
    public Dictionary<long, ItemAssignment> Assign(IReadOnlyList<SimulationSpec> specs)
    {
        var assignments = new Dictionary<long, ItemAssignment>();
        foreach (var spec in specs)
        {
            if (!assignments.TryGetValue(spec.Experts, out var assignment))
            {
                assignments[spec.Experts] = assignment = ItemAssignment.FromDocuments(Documents, (int)spec.Experts); // validated: ≤ MaxExperts
            }

            try
            {
                GossipSimulation.Validate(spec, assignment);
            }
            catch (ArgumentException e)
            {
                throw new CliException(e.Message.Split(" (Parameter", 2)[0], ExitCodes.Usage);
            }
        }

        return assignments;
    }
}
