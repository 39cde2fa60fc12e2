using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace GlobalBrain.Deploy.Tests;

/// <summary>
/// What can be checked of deploy/docker/Dockerfile without a Docker engine: the restore layer has every project the
/// silo builds from, the build context keeps them, and the image user is numeric.
/// </summary>
public sealed partial class DockerfileTests
{
    private static string Dockerfile => File.ReadAllText(Path.Combine(Repository.Root, "deploy", "docker", "Dockerfile"));

    /// <summary>The numeric user of the image (USER uid:gid), which the manifests' runAsUser must equal.</summary>
    public static long ImageUid()
    {
        var user = UserLine().Match(Dockerfile);
        Assert.True(user.Success, "the Dockerfile's final USER must be numeric (USER uid:gid): Kubernetes can only verify runAsNonRoot for a numeric user");
        return long.Parse(user.Groups["uid"].Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    public void User_IsNumericAndNotRoot()
    {
        Assert.True(ImageUid() > 0);
    }

    [Fact]
    public void RestoreLayer_CopiesEveryProjectTheSiloBuildsFrom()
    {
        var dockerfile = Dockerfile;
        var projects = ProjectClosure("silo/GlobalBrain.Silo/GlobalBrain.Silo.csproj");

        Assert.Contains("grains/GlobalBrain.Domain/GlobalBrain.Domain.csproj", projects);
        foreach (var project in projects)
        {
            // Project file first (restore layer), its sources later.
            Assert.Matches(new Regex($@"(?m)^COPY {Regex.Escape(project)} {Regex.Escape(Path.GetDirectoryName(project)!.Replace('\\', '/'))}/$"), dockerfile);
        }

        var restore = dockerfile.IndexOf("RUN dotnet restore", StringComparison.Ordinal);
        var sources = dockerfile.IndexOf("COPY grains/ grains/", StringComparison.Ordinal);
        Assert.True(restore > 0 && sources > restore, "dotnet restore must run before the sources are copied, so that its layer is cached");
        foreach (var file in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props" })
        {
            Assert.Contains(file, dockerfile[..restore], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DockerIgnore_KeepsTheSiloSourcesAndDropsBuildOutput()
    {
        var ignored = File.ReadAllLines(Path.Combine(Repository.Root, ".dockerignore"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToHashSet(StringComparer.Ordinal);

        Assert.Superset(new HashSet<string>(StringComparer.Ordinal) { "**/bin/", "**/obj/", ".git/" }, ignored);
        Assert.DoesNotContain(ignored, p => p.StartsWith("silo", StringComparison.Ordinal) || p.StartsWith("grains", StringComparison.Ordinal));
    }

    /// <summary>A project and every project it references, transitively, as repository-relative paths with '/'.</summary>
    private static SortedSet<string> ProjectClosure(string root)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([root]);
        while (pending.TryPop(out var project))
        {
            if (!seen.Add(project))
            {
                continue;
            }

            var path = Path.Combine(Repository.Root, project);
            foreach (var reference in XDocument.Load(path).Descendants("ProjectReference"))
            {
                var full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, reference.Attribute("Include")!.Value.Replace('\\', '/')));
                pending.Push(Path.GetRelativePath(Repository.Root, full).Replace('\\', '/'));
            }
        }

        return seen;
    }

    [GeneratedRegex(@"(?m)^USER (?<uid>\d+)(:\d+)?\s*$(?![\s\S]*^USER )")]
    private static partial Regex UserLine();
}
