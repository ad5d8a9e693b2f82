namespace Deployment.Tests.Support;

// The kustomize overlays one can `kubectl apply -k`: every folder under k8s/ (k8s/ itself included)
// with a kustomization of kind Kustomization, except k8s/base (the part they share) and the
// components under k8s/components.
internal static class Overlays
{
    private static readonly string[] KustomizationFileNames = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

    // Paths from the repository root with '/', e.g. "k8s", "k8s/without-keda".
    public static IReadOnlyList<string> All { get; } = Find();

    // kubectl kustomize: the objects the overlay applies, as YAML. Fails the test if it does not render.
    public static string Render(string overlay)
    {
        var kubectl = Command.Find("kubectl", "kubectl is not installed (it renders the kustomize overlays).");
        var result = Command.Run(kubectl, ["kustomize", overlay]);
        Assert.True(result.ExitCode == 0, $"kubectl kustomize {overlay} failed: {result}");
        return result.Output;
    }

    private static List<string> Find()
    {
        var k8s = Repo.PathOf("k8s");
        return [.. Directory.EnumerateDirectories(k8s, "*", SearchOption.AllDirectories).Prepend(k8s)
            .Select(folder => Path.GetRelativePath(Repo.Root, folder).Replace('\\', '/'))
            .Where(folder => folder != "k8s/base" && folder != "k8s/components" && !folder.StartsWith("k8s/components/", StringComparison.Ordinal))
            .Where(IsKustomization)
            .Order(StringComparer.Ordinal)];
    }

    private static bool IsKustomization(string folder)
    {
        var file = KustomizationFileNames.Select(name => Repo.PathOf(folder, name)).FirstOrDefault(File.Exists);
        // kind may be left out: kustomize then reads the file as a Kustomization.
        return file is not null && (Yaml.Load(file).Text("kind") ?? "Kustomization") == "Kustomization";
    }
}
