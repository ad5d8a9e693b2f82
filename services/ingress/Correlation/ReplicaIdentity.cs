using System.Security.Cryptography;
using System.Text;
using RedisStreamDemo.Contracts;

namespace RedisStreamDemo.Ingress.Correlation;

/// <summary>The default Correlation:ReplicaId: unique among live replicas, stable across restarts where it can be.</summary>
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
