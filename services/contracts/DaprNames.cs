namespace RedisStreamDemo.Contracts;

// The one source of truth for the names both apps and every YAML file use.
// Tests load components/*.yaml, dapr.yaml and k8s/ and prove they agree with these.
public static class DaprNames
{
    public const string PubSub = "pubsub";
    public const string StateStore = "statestore";

    public static class Topics
    {
        public const string WeatherRequests = "weather-requests";
        public const string WeatherResponses = "weather-responses";
        public const string WeatherRequestsDeadLetter = "weather-requests-deadletter";
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
        public const string WeatherRequests = "/events/weather-requests";
        public const string WeatherResponses = "/events/weather-responses";
        public const string WeatherRequestsDeadLetter = "/events/weather-requests-deadletter";
    }
}
