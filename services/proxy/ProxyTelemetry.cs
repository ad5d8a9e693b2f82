using System.Diagnostics;

namespace ProxyService;

internal static class ProxyTelemetry
{
    // Service defaults subscribe to every "RedisStreamDemo.*" source and meter.
    public const string Name = "RedisStreamDemo.Proxy";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static class Tags
    {
        public const string RequestId = "weather.request_id";
        public const string City = "weather.city";
        public const string Terminal = "weather.terminal";
    }
}
