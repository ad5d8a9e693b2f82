namespace RedisStreamDemo.Contracts;

/// <summary>
/// The one source of truth for the names both apps and every YAML file use.
/// Tests load components/*.yaml, dapr.yaml and k8s/ and prove they agree with these.
/// </summary>
public static class DaprNames
{
    public const string PubSub = "pubsub";
    public const string StateStore = "statestore";
    public const string ReplyStore = "replystore";

    public static class Topics
    {
        public const string WeatherRequests = "weather-requests";
        public const string WeatherResponses = "weather-responses";
        public const string WeatherRequestsDeadLetter = "weather-requests-deadletter";

        // Replies whose delivery to the ingress ran out of retries: since Dapr 1.17 pubsub.redis
        // acknowledges such a delivery, so without a dead-letter topic the reply would be gone.
        public const string WeatherResponsesDeadLetter = "weather-responses-deadletter";

        // Direct correlation: each ingress replica subscribes to its own reply topic, named
        // "weather-responses.<replica>". The proxy answers on a request's ReplyTopic only when
        // IsReplyTopic accepts it, so a request cannot make the proxy publish anywhere else.
        public const string ReplyTopicPrefix = WeatherResponses + ".";
        public const int MaxReplicaIdLength = 63;

        public static string ReplyTopicFor(string replicaId) => IsReplicaId(replicaId)
            ? ReplyTopicPrefix + replicaId
            : throw new ArgumentException($"'{replicaId}' is not a replica id (1-{MaxReplicaIdLength} of a-z, 0-9, -).", nameof(replicaId));

        public static bool IsReplyTopic(string? topic) =>
            topic == WeatherResponses
            || topic is not null && topic.StartsWith(ReplyTopicPrefix, StringComparison.Ordinal)
                && IsReplicaId(topic.AsSpan(ReplyTopicPrefix.Length));

        // A DNS label's alphabet: what a Kubernetes pod name is made of, and safe in a Redis key.
        public static bool IsReplicaId(ReadOnlySpan<char> id)
        {
            if (id.Length is 0 or > MaxReplicaIdLength)
            {
                return false;
            }

            foreach (var c in id)
            {
                if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
                {
                    return false;
                }
            }

            return true;
        }
    }

    public static class AppIds
    {
        public const string Ingress = "ingress";
        public const string Proxy = "proxy";
    }

    public static class AppPorts
    {
        public const int Ingress = 5009;
        public const int Proxy = 5010;
    }

    public static class Routes
    {
        // Every route the sidecar delivers events to starts with this.
        public const string DeliveryPrefix = "/events";

        public const string WeatherRequests = DeliveryPrefix + "/weather-requests";
        public const string WeatherResponses = DeliveryPrefix + "/weather-responses";
        public const string WeatherRequestsDeadLetter = DeliveryPrefix + "/weather-requests-deadletter";
        public const string WeatherResponsesDeadLetter = DeliveryPrefix + "/weather-responses-deadletter";
    }
}
