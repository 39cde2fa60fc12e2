namespace GlobalBrain.Testing;

/// <summary>The repository the tests were built from: the first folder above the test's output folder that holds GlobalBrain.Cluster.sln.</summary>
public static class Repository
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    public static string Root => LazyRoot.Value;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GlobalBrain.Cluster.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"GlobalBrain.Cluster.sln not found above {AppContext.BaseDirectory}");
    }
}
