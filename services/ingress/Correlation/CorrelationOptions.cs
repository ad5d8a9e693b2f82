using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using RedisStreamDemo.Contracts;

namespace IngressService.Correlation;

// How a reply finds the request that waits for it.
//   Workflow (default): a Dapr workflow per request holds the wait in durable state. It survives an
//     ingress restart and any replica can answer GET status or take the reply, at the price of the
//     workflow engine's round trips (schedule, activity, external event, completion) per request.
//   Direct: the ingress publishes the request itself and waits in memory; the proxy answers on this
//     replica's own reply topic. Fewer hops and no state store, but a request in flight is lost when
//     its replica dies (the client's POST or later GET then fails or answers 404), and GET status
//     works only on the replica that took the POST.
internal enum CorrelationMode
{
    Workflow,
    Direct,
}

internal sealed class CorrelationOptions
{
    public const string SectionName = "Correlation";

    public CorrelationMode Mode { get; set; } = CorrelationMode.Workflow;

    // Names this replica's reply topic, weather-responses.<ReplicaId>. Defaults to a stable name
    // (ReplicaIdentity); two live replicas must never share one, or they take each other's replies.
    [RegularExpression("^[a-z0-9-]{1,63}$")]
    public string? ReplicaId { get; set; }

    public string ReplyTopic => DaprNames.Topics.ReplyTopicFor(ReplicaId ?? throw new InvalidOperationException("No replica id."));
}

internal static class ReplicaIdentity
{
    // In Kubernetes HOSTNAME is the pod name: unique among live replicas, and stable across restarts
    // for a StatefulSet. Elsewhere replicas may share a host, so the app port tells them apart
    // (APP_PORT is set by `dapr run` and the local stack; the process id is the last resort).
    public static string Default(IConfiguration configuration)
    {
        var name = !string.IsNullOrEmpty(configuration["KUBERNETES_SERVICE_HOST"]) && configuration["HOSTNAME"] is { Length: > 0 } pod
            ? pod
            : $"{Environment.MachineName}-{configuration["APP_PORT"] ?? Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        return Sanitize(name);
    }

    public static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name.ToLowerInvariant())
        {
            builder.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' ? c : '-');
        }

        var id = builder.ToString().Trim('-');
        if (id.Length == 0)
        {
            return "ingress";
        }

        if (id.Length <= DaprNames.Topics.MaxReplicaIdLength)
        {
            return id;
        }

        // Too long: keep a prefix and a hash of the whole, so distinct names stay distinct.
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)))[..8];
        return $"{id[..(DaprNames.Topics.MaxReplicaIdLength - 9)].TrimEnd('-')}-{hash}";
    }
}
