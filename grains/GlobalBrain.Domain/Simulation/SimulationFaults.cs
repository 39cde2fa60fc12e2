using GlobalBrain.Domain.Faults;

namespace GlobalBrain.Domain.Simulation;

/// <summary>
/// The live cluster's fault injection (GlobalBrain:Faults, <see cref="FaultPlan"/>) in an asynchronous simulation:
/// each exchange's message is dropped, delayed by up to <see cref="MaxDelaySeconds"/>, held back until its sender's
/// next exchange, duplicated, and its sender may deactivate afterwards, with the probabilities of
/// <see cref="Rates"/>, drawn by <see cref="FaultPlan.Draw"/> from the run's seed and <see cref="Seed"/>.
/// </summary>
/// <param name="Seed">GlobalBrain:Faults:Seed: mixed with the run's seed, so that --seeds varies the faults too.</param>
public sealed record SimulationFaults(FaultRates Rates, double MaxDelaySeconds = 1, ulong Seed = 1)
{
    /// <summary>Every problem, in the words of the live setting each comes from; empty when none.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        ArgumentNullException.ThrowIfNull(Rates);
        foreach (var (name, value) in new[]
        {
            ("DropProbability", Rates.Drop), ("DuplicateProbability", Rates.Duplicate), ("DelayProbability", Rates.Delay),
            ("ReorderProbability", Rates.Reorder), ("DeactivateProbability", Rates.Deactivate),
        })
        {
            if (!(value is >= 0 and <= 1))
            {
                errors.Add($"--faults: {name} is a probability, from 0 to 1 (got {value})");
            }
        }

        if (errors.Count == 0 && Rates.Drop + Rates.Delay + Rates.Reorder > 1)
        {
            errors.Add($"--faults: DropProbability + DelayProbability + ReorderProbability must be at most 1, as a message is dropped, delayed or held back, one at most (got {Rates.Drop + Rates.Delay + Rates.Reorder})");
        }

        if (!(MaxDelaySeconds is > 0 and <= 60))
        {
            errors.Add($"--faults: MaxDelay must be more than 0 and at most 00:01:00 (got {MaxDelaySeconds} s)");
        }

        return errors;
    }
}
