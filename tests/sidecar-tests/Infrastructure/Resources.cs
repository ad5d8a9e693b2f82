using System.Text;
using TestSupport;

namespace Sidecar.Tests.Infrastructure;

/// <summary>Small resource folders for scenarios our real components/ do not cover (short timeouts, other policies).</summary>
public static class Resources
{
    public static string Real(string redisEndpoint) => ResourcesFolder.Prepare(redisEndpoint);

    public static string Write(string redisEndpoint, IReadOnlyDictionary<string, string>? pubsubMetadata = null, string? inboundRetry = null, string pubsubName = "pubsub")
    {
        var folder = Directory.CreateTempSubdirectory("sidecar-test-resources-").FullName;
        var yaml = new StringBuilder($"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: {pubsubName}
            spec:
              type: pubsub.redis
              version: v1
              metadata:
                - name: redisHost
                  value: {redisEndpoint}

            """);
        foreach (var (key, value) in pubsubMetadata ?? new Dictionary<string, string>())
        {
            yaml.Append($"""
                    - name: {key}
                      value: "{value}"

                """);
        }
        File.WriteAllText(Path.Combine(folder, "pubsub.yaml"), yaml.ToString());

        if (inboundRetry is not null)
        {
            File.WriteAllText(Path.Combine(folder, "resiliency.yaml"), $"""
                apiVersion: dapr.io/v1alpha1
                kind: Resiliency
                metadata:
                  name: test-resiliency
                spec:
                  policies:
                    retries:
                      inboundRetry:
                {Indent(inboundRetry, 8)}
                  targets:
                    components:
                      {pubsubName}:
                        inbound:
                          retry: inboundRetry
                """);
        }
        return folder;
    }

    private static string Indent(string text, int spaces) =>
        string.Join('\n', text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => new string(' ', spaces) + l.Trim()));
}
