using System.Text;
using TestSupport;

namespace Sidecar.Tests.Infrastructure;

/// <summary>Small resource folders for scenarios our real components/ do not cover (short timeouts, other policies).</summary>
public static class Resources
{
    public static string Real(string redisEndpoint) => ResourcesFolder.Prepare(redisEndpoint);

    public static string Write(string redisEndpoint, IReadOnlyDictionary<string, string>? pubsubMetadata = null, string? inboundRetry = null, string pubsubName = "pubsub", string? inboundTimeout = null)
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

        if (inboundRetry is not null || inboundTimeout is not null)
        {
            var resiliency = new StringBuilder("""
                apiVersion: dapr.io/v1alpha1
                kind: Resiliency
                metadata:
                  name: test-resiliency
                spec:
                  policies:

                """);
            var target = new StringBuilder();
            if (inboundTimeout is not null)
            {
                resiliency.Append($"    timeouts:\n      inboundTimeout: {inboundTimeout}\n");
                target.Append("          timeout: inboundTimeout\n");
            }
            if (inboundRetry is not null)
            {
                resiliency.Append($"    retries:\n      inboundRetry:\n{Indent(inboundRetry, 8)}\n");
                target.Append("          retry: inboundRetry\n");
            }
            resiliency.Append($"  targets:\n    components:\n      {pubsubName}:\n        inbound:\n{target}");
            File.WriteAllText(Path.Combine(folder, "resiliency.yaml"), resiliency.ToString());
        }
        return folder;
    }

    private static string Indent(string text, int spaces) =>
        string.Join('\n', text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => new string(' ', spaces) + l.Trim()));
}
