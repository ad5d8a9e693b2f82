using YamlDotNet.RepresentationModel;

namespace TestSidecar.Resources;

internal sealed record ComponentResource(string Name, string Type, string Version, IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<string> Scopes, string File);

/// <summary>
/// The Dapr resources (Component, Resiliency) found in the <c>--resources-path</c> folders and
/// the <c>--config</c> Configuration, read the way daprd reads them in standalone mode: every
/// *.yaml/*.yml file, several documents per file allowed (but a Resiliency counts only as the first
/// document of its file), unknown kinds ignored, resources whose <c>scopes:</c> do not list this
/// app-id skipped.
/// </summary>
internal sealed class DaprResources
{
    public required IReadOnlyList<ComponentResource> Components { get; init; }
    public required IReadOnlyList<YamlMappingNode> Resiliencies { get; init; }
    public IReadOnlyList<string> IgnoredResiliencyFiles { get; init; } = [];
    public YamlMappingNode? Configuration { get; init; }

    public static DaprResources Load(IEnumerable<string> resourcesPaths, string? configPath, string appId, Func<string, string> applyTemplates)
    {
        var components = new List<ComponentResource>();
        var resiliencies = new List<YamlMappingNode>();
        var ignoredResiliencyFiles = new List<string>();
        foreach (var folder in resourcesPaths)
        {
            if (!Directory.Exists(folder))
            {
                throw new DirectoryNotFoundException($"resources path '{folder}' does not exist");
            }
            var files = Directory.EnumerateFiles(folder)
                .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal);
            foreach (var file in files)
            {
                foreach (var (doc, index) in ReadDocuments(file))
                {
                    var kind = Scalar(doc, "kind");
                    if (kind == "Resiliency" && index > 0)
                    {
                        // dapr/dapr pkg/resiliency/resiliency.go loadLocalResiliencyPath reads each file with one
                        // yaml.Unmarshal, which decodes only the first document.
                        ignoredResiliencyFiles.Add(file);
                        continue;
                    }
                    if (!InScope(doc, appId))
                    {
                        continue;
                    }
                    switch (kind)
                    {
                        case "Component":
                            components.Add(ReadComponent(doc, file, applyTemplates));
                            break;
                        case "Resiliency":
                            resiliencies.Add(doc);
                            break;
                        default:
                            break;
                    }
                }
            }
        }

        var duplicate = components.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"duplicate definition of component name {duplicate.Key}");
        }

        YamlMappingNode? configuration = null;
        if (configPath is not null)
        {
            configuration = ReadDocuments(configPath).Select(d => d.Doc).FirstOrDefault(d => Scalar(d, "kind") == "Configuration")
                ?? throw new InvalidOperationException($"no Configuration resource in {configPath}");
        }

        return new DaprResources { Components = components, Resiliencies = resiliencies, IgnoredResiliencyFiles = [.. ignoredResiliencyFiles.Distinct()], Configuration = configuration };
    }

    // The mapping documents of a file with their position among all its documents.
    private static IEnumerable<(YamlMappingNode Doc, int Index)> ReadDocuments(string file)
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(file))
        {
            stream.Load(reader);
        }
        for (var i = 0; i < stream.Documents.Count; i++)
        {
            if (stream.Documents[i].RootNode is YamlMappingNode doc)
            {
                yield return (doc, i);
            }
        }
    }

    private static bool InScope(YamlMappingNode doc, string appId)
    {
        if (Child(doc, "scopes") is not YamlSequenceNode scopes || scopes.Children.Count == 0)
        {
            return true;
        }
        return scopes.Children.OfType<YamlScalarNode>().Any(s => string.Equals(s.Value, appId, StringComparison.Ordinal));
    }

    private static ComponentResource ReadComponent(YamlMappingNode doc, string file, Func<string, string> applyTemplates)
    {
        var name = Scalar(Child(doc, "metadata"), "name") ?? throw new InvalidOperationException($"component without metadata.name in {file}");
        var spec = Child(doc, "spec") as YamlMappingNode ?? throw new InvalidOperationException($"component {name} has no spec in {file}");
        var type = Scalar(spec, "type") ?? throw new InvalidOperationException($"component {name} has no spec.type");
        var version = Scalar(spec, "version") ?? "";
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Child(spec, "metadata") is YamlSequenceNode items)
        {
            foreach (var item in items.Children.OfType<YamlMappingNode>())
            {
                var key = Scalar(item, "name") ?? throw new InvalidOperationException($"component {name}: metadata item without name");
                if (Child(item, "secretKeyRef") is not null)
                {
                    throw new NotSupportedException($"component {name}: secretKeyRef is not supported by the test sidecar (metadata {key})");
                }
                metadata[key] = applyTemplates(Scalar(item, "value") ?? "");
            }
        }
        var scopes = Child(doc, "scopes") is YamlSequenceNode s ? s.Children.OfType<YamlScalarNode>().Select(n => n.Value ?? "").ToList() : [];
        return new ComponentResource(name, type, version, metadata, scopes, file);
    }

    public static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    public static string? Scalar(YamlNode? node, string key) => (Child(node, key) as YamlScalarNode)?.Value;
}
