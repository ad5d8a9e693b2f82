using System.Diagnostics;

namespace ProxyService;

/// <summary>The proxy's ActivitySource and meter name, and the names of its spans.</summary>
internal static class ProxyTelemetry
{
    // Service defaults subscribe to every "RedisStreamDemo.*" source and meter.
    public const string Name = "RedisStreamDemo.Proxy";

    // Spans are named forecast.<step> in both apps.
    public const string ProcessSpan = "forecast.process";

    public static readonly ActivitySource ActivitySource = new(Name);
}
