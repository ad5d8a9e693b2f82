using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Deployment.Tests.Support;

// YAML as plain data: maps are Dictionary<object, object?>, sequences List<object?>, scalars strings.
// Merge keys (<<: *anchor, used in docker-compose.yml) are resolved.
internal static class Yaml
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder().Build();

    public static IReadOnlyList<object?> LoadAll(string path)
    {
        using var reader = new StringReader(File.ReadAllText(path));
        var parser = new MergingParser(new Parser(reader));
        var documents = new List<object?>();
        parser.Consume<StreamStart>();
        while (parser.Accept<DocumentStart>(out _))
        {
            var document = Deserializer.Deserialize<object?>(parser);
            if (document is not null)
            {
                documents.Add(document);
            }
        }
        return documents;
    }

    public static object? Load(string path) => Assert.Single(LoadAll(path));

    public static object? At(this object? node, params object[] path)
    {
        foreach (var step in path)
        {
            node = (node, step) switch
            {
                (IDictionary<object, object?> map, string key) => map.TryGetValue(key, out var value) ? value : null,
                (IList<object?> list, int index) => index < list.Count ? list[index] : null,
                _ => null,
            };
        }
        return node;
    }

    public static string? Text(this object? node, params object[] path) =>
        node.At(path) is { } value ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;

    public static IReadOnlyList<object?> Items(this object? node, params object[] path) =>
        node.At(path) is IList<object?> list ? [.. list] : [];

    public static IReadOnlyDictionary<string, object?> Map(this object? node, params object[] path) =>
        node.At(path) is IDictionary<object, object?> map
            ? map.ToDictionary(entry => (string)entry.Key, entry => entry.Value)
            : new Dictionary<string, object?>();

    public static IReadOnlyList<string> Strings(this object? node, params object[] path) =>
        [.. node.Items(path).Select(item => Convert.ToString(item, CultureInfo.InvariantCulture) ?? "")];

    // Deep structural equality of two YAML data trees.
    public static bool DeepEquals(object? left, object? right) => (left, right) switch
    {
        (null, null) => true,
        (IDictionary<object, object?> a, IDictionary<object, object?> b) =>
            a.Count == b.Count && a.All(entry => b.TryGetValue(entry.Key, out var other) && DeepEquals(entry.Value, other)),
        (IList<object?> a, IList<object?> b) => a.Count == b.Count && a.Zip(b).All(pair => DeepEquals(pair.First, pair.Second)),
        (string a, string b) => a == b,
        _ => false,
    };
}
