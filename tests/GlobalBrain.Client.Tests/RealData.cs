using Xunit;

namespace GlobalBrain.Client.Tests;

/// <summary>
/// The folder <c>GLOBALBRAIN_DATA</c> names (the real corpus and bert-base-cased), for the few tests
/// that need it. Unset, or naming no folder, the test is skipped with the reason; <c>.ci/run</c> sets it.
/// </summary>
internal static class RealData
{
    public const string Variable = "GLOBALBRAIN_DATA";

    /// <summary>The data folder, after checking that it holds <paramref name="paths"/>; skips the test when there is no folder.</summary>
    /// <param name="paths">Files or directories the test reads, relative to the folder.</param>
    public static string Require(params string[] paths)
    {
        var data = Environment.GetEnvironmentVariable(Variable);
        var needs = string.Join(", ", paths);
        Skip.If(string.IsNullOrEmpty(data), $"{Variable} is not set: set it to a folder holding {needs} to run this test (.ci/run does)");
        Skip.IfNot(Directory.Exists(data), $"{Variable}={data} is not a folder: set it to one holding {needs} to run this test");

        // A folder that is there but lacks what the test reads is a mistake to see, not a reason to skip.
        var missing = paths.Where(p => !File.Exists(Path.Combine(data, p)) && !Directory.Exists(Path.Combine(data, p))).ToList();
        Assert.True(missing.Count == 0, $"{Variable}={data} has no {string.Join(", ", missing)}");
        return data;
    }
}
