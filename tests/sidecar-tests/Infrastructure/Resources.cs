using System.Text;
using YamlDotNet.RepresentationModel;

namespace Sidecar.Tests.Infrastructure;

/// <summary>
/// Small resource folders for scenarios our real components/ do not cover (short timeouts, other policies),
/// and the one place the tests spell a Redis pub/sub Component and a Resiliency resource.
/// </summary>
public static class Resources
{
    public static string Real(string redisEndpoint) => ResourcesFolder.Prepare(redisEndpoint);

    public static string Write(string redisEndpoint, IReadOnlyDictionary<string, string>? pubsubMetadata = null, string? inboundRetry = null, string pubsubName = "pubsub", string? inboundTimeout = null)
    {
        var folder = Directory.CreateTempSubdirectory("sidecar-test-resources-").FullName;
        File.WriteAllText(Path.Combine(folder, "pubsub.yaml"), PubSubComponent(redisEndpoint, pubsubName, pubsubMetadata));

        if (inboundRetry is not null || inboundTimeout is not null)
        {
            var policies = new StringBuilder("policies:\n");
            var target = new StringBuilder();
            if (inboundTimeout is not null)
            {
                policies.Append($"  timeouts:\n    inboundTimeout: {inboundTimeout}\n");
                target.Append("        timeout: inboundTimeout\n");
            }
            if (inboundRetry is not null)
            {
                policies.Append($"  retries:\n    inboundRetry:\n{Indent(inboundRetry, 6)}\n");
                target.Append("        retry: inboundRetry\n");
            }
            File.WriteAllText(Path.Combine(folder, "resiliency.yaml"),
                Resiliency("test-resiliency", $"{policies}targets:\n  components:\n    {pubsubName}:\n      inbound:\n{target}"));
        }
        return folder;
    }

    /// <summary>A folder with the pub/sub component on <paramref name="redisEndpoint"/> and a Resiliency resource with this spec.</summary>
    public static string WithResiliency(string redisEndpoint, string name, string spec)
    {
        var folder = Write(redisEndpoint);
        File.WriteAllText(Path.Combine(folder, "resiliency.yaml"), Resiliency(name, spec));
        return folder;
    }

    public static string PubSubComponent(string redisEndpoint, string name = "pubsub", IReadOnlyDictionary<string, string>? metadata = null)
    {
        var yaml = new StringBuilder($"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: {name}
            spec:
              type: pubsub.redis
              version: v1
              metadata:
                - name: redisHost
                  value: {redisEndpoint}

            """);
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            yaml.Append($"""
                    - name: {key}
                      value: "{value}"

                """);
        }
        return yaml.ToString();
    }

    /// <summary>A Resiliency resource; <paramref name="spec"/> is its spec's YAML, indented under <c>spec:</c> here.</summary>
    public static string Resiliency(string name, string spec) => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Resiliency
        metadata:
          name: {name}
        spec:
        {Indent(spec, 2)}
        """;

    /// <summary>The first document of <paramref name="yaml"/>, as the sidecar's resource loader reads it.</summary>
    public static YamlMappingNode Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    /// <summary>Moves every line of <paramref name="text"/> right by <paramref name="spaces"/>, keeping its own nesting.</summary>
    public static string Indent(string text, int spaces) =>
        string.Join('\n', text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => new string(' ', spaces) + l.TrimEnd()));
}
