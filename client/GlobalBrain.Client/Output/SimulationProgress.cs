using System.Diagnostics;
using System.Globalization;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Client.Output;

/// <summary>
/// The progress of a <c>simulate</c> run: on a terminal one status line (at most ten redraws a second); for a
/// checkpointed run without a terminal, a line a round on stderr. Both give the round, the informed
/// fraction (rumor) or mean reach, and an ETA: the rounds left (of --rounds, or, with
/// --until-converged on the rumor on the complete graph, of the theory's count + 1) times the mean
/// time of the rounds run so far in this process.
/// </summary>
/// <param name="lastDraw">Shared by the runs of a sweep, so that the line is redrawn at most ten times a second over all of them.</param>
/// <param name="point">"point i/n " in a sweep, else empty.</param>
internal sealed class SimulationProgress(ProgressLine? line, TextWriter? log, Stopwatch lastDraw, SimulationSpec spec, string point) : IProgress<RoundStats>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _firstRound = -1;
    private double _firstSeconds;

    public void Report(RoundStats value)
    {
        if (_firstRound < 0)
        {
            (_firstRound, _firstSeconds) = (value.Round, _clock.Elapsed.TotalSeconds);
        }

        if (log is null && (line is null || lastDraw.ElapsedMilliseconds < 100))
        {
            return;
        }

        lastDraw.Restart();
        var of = spec.UntilConverged ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"/{spec.MaxRounds:N0}");
        var reach = spec.Scenario == ScenarioKind.Rumor
            ? string.Create(CultureInfo.InvariantCulture, $"informed {value.MeanReach:F6}")
            : string.Create(CultureInfo.InvariantCulture, $"mean reach {value.MeanReach:F4}  min {value.MinReach:F4}");
        var text = string.Create(CultureInfo.InvariantCulture, $"round {value.Round:N0}{of}  {reach}{Eta(value)}");
        if (line is not null)
        {
            line.Status($"simulate {point}{ProgressLine.Bar(value.MeanReach)} {text}");
        }
        else
        {
            log!.WriteLine($"globalbrain: simulate {point}{text}");
            log.Flush();
        }
    }

    private string Eta(RoundStats value)
    {
        var done = value.Round - _firstRound;
        if (done < 1)
        {
            return string.Empty;
        }

        var perRound = (_clock.Elapsed.TotalSeconds - _firstSeconds) / done;
        double? total = !spec.UntilConverged
            ? spec.MaxRounds
            : spec.IsCompact && spec.Clock == SimulationClock.Rounds && spec.Experts >= 3 && spec.FlowRate == 1 ? Math.Ceiling(GossipTheory.RumorRounds(spec.Mode, spec.Experts)) + 1 : null;
        var timing = string.Create(CultureInfo.InvariantCulture, $"  {perRound:F1} s/round");
        if (total is not { } rounds || value.MinReach >= 1 - spec.Epsilon)
        {
            return timing;
        }

        var left = Math.Max(1, rounds - value.Round);
        var eta = TimeSpan.FromSeconds(Math.Round(left * perRound));
        return string.Create(CultureInfo.InvariantCulture, $"{timing}  ETA {eta:c}{(spec.UntilConverged ? " (theory's rounds)" : string.Empty)}");
    }
}
