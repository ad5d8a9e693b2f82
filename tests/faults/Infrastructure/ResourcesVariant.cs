namespace Faults.Infrastructure;

/// <summary>
/// A copy of the run file and components/ with some YAML edited, for one scenario: LocalStack reads
/// its resources from the run file's resourcesPaths, so a run file pointing at an edited copy is how
/// a scenario runs with, say, a shorter delivery retry policy.
/// </summary>
internal sealed class ResourcesVariant : IDisposable
{
    private readonly string _directory;

    private ResourcesVariant(string directory, string runFile)
    {
        _directory = directory;
        RunFile = runFile;
    }

    public string RunFile { get; }

    public static ResourcesVariant Create(Func<string, string, string> edit)
    {
        var root = RepositoryRoot.Path;
        var directory = Directory.CreateTempSubdirectory("fault-resources-").FullName;
        var components = Path.Combine(directory, "components");
        Directory.CreateDirectory(components);
        foreach (var file in Directory.EnumerateFiles(ResourcesFolder.ComponentsDirectory, "*.yaml"))
        {
            var name = Path.GetFileName(file);
            File.WriteAllText(Path.Combine(components, name), edit(name, File.ReadAllText(file)));
        }

        // Same apps, ports and environment; only the resources folder moves.
        var runFile = File.ReadAllText(Path.Combine(root, "dapr.yaml"))
            .Replace("./components", components, StringComparison.Ordinal)
            .Replace("./services/", Path.Combine(root, "services") + "/", StringComparison.Ordinal);
        var path = Path.Combine(directory, "dapr.yaml");
        File.WriteAllText(path, runFile);
        return new ResourcesVariant(directory, path);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
