namespace Deployment.Tests.Support;

internal sealed record Manifest(string File, object? Document)
{
    public string Kind => Document.Text("kind") ?? "";

    public string Name => Document.Text("metadata", "name") ?? "";

    public override string ToString() => $"{Kind}/{Name} ({File})";
}

// Every Kubernetes manifest the kustomizations apply: k8s/** and observability/k8s/**.
internal static class Manifests
{
    public static IReadOnlyList<Manifest> All { get; } = Load();

    public static IEnumerable<Manifest> OfKind(string kind) => All.Where(manifest => manifest.Kind == kind);

    public static Manifest Single(string kind, string name) =>
        Assert.Single(All, manifest => manifest.Kind == kind && manifest.Name == name);

    public static IEnumerable<Manifest> Deployments => OfKind("Deployment").Where(IsDaprEnabled);

    public static IReadOnlyDictionary<string, string> PodAnnotations(Manifest deployment) =>
        deployment.Document.Map("spec", "template", "metadata", "annotations")
            .ToDictionary(entry => entry.Key, entry => entry.Value?.ToString() ?? "");

    public static object? AppContainer(Manifest deployment) =>
        deployment.Document.Items("spec", "template", "spec", "containers").First();

    public static bool IsDaprEnabled(Manifest deployment) =>
        PodAnnotations(deployment).GetValueOrDefault("dapr.io/enabled") == "true";

    // A ConfigMap's data after envFrom, then env literals: what the container sees.
    public static IReadOnlyDictionary<string, string> Environment(Manifest deployment)
    {
        var container = AppContainer(deployment);
        var environment = new Dictionary<string, string>();
        foreach (var source in container.Items("envFrom"))
        {
            if (source.Text("configMapRef", "name") is { } configMap)
            {
                foreach (var (key, value) in Single("ConfigMap", configMap).Document.Map("data"))
                {
                    environment[key] = value?.ToString() ?? "";
                }
            }
        }
        foreach (var variable in container.Items("env"))
        {
            if (variable.Text("value") is { } value)
            {
                environment[variable.Text("name")!] = value;
            }
        }
        return environment;
    }

    private static List<Manifest> Load()
    {
        var files = Directory.EnumerateFiles(Repo.PathOf("k8s"), "*.yaml", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Repo.PathOf("observability", "k8s"), "*.yaml", SearchOption.AllDirectories))
            .Where(file => Path.GetFileName(file) != "kustomization.yaml")
            .Order(StringComparer.Ordinal);
        return [.. files.SelectMany(file => Yaml.LoadAll(file).Select(document => new Manifest(Path.GetRelativePath(Repo.Root, file), document)))];
    }
}

// Dapr resources (Component, Resiliency, Configuration) from one folder of YAML files.
internal static class DaprResources
{
    public static IReadOnlyList<object?> In(params string[] folder) =>
        [.. Directory.EnumerateFiles(Repo.PathOf(folder), "*.yaml").Order(StringComparer.Ordinal).SelectMany(Yaml.LoadAll)];

    public static object? Named(IEnumerable<object?> resources, string kind, string name) =>
        Assert.Single(resources, resource => resource.Text("kind") == kind && resource.Text("metadata", "name") == name);

    public static IReadOnlyDictionary<string, string> Metadata(object? component) =>
        component.Items("spec", "metadata").ToDictionary(item => item.Text("name")!, item => item.Text("value") ?? "");

    // "ingress=a;proxy=b,c" -> { ingress: [a], proxy: [b, c] }
    public static IReadOnlyDictionary<string, string[]> Scopes(string value) =>
        value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(entry => entry.Split('=', 2))
            .ToDictionary(parts => parts[0], parts => parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
