namespace GlobalBrain.Testing.Tests;

public sealed class RepositoryTests
{
    [Fact]
    public void Root_IsTheFolderWithTheSolution_AboveTheTestOutput()
    {
        Assert.True(File.Exists(Path.Combine(Repository.Root, "GlobalBrain.Cluster.sln")));
        Assert.StartsWith(Repository.Root, AppContext.BaseDirectory, StringComparison.Ordinal);
    }
}
