using System.Diagnostics;

namespace RedisStreamDemo.Proxy.Telemetry;

/// <summary>The proxy's ActivitySource and meter name. Its span is forecast.process (spans are forecast.&lt;step&gt; in both apps).</summary>
internal static class ProxyTelemetry
{
    // Service defaults subscribe to every "RedisStreamDemo.*" source and meter.
    public const string Name = "RedisStreamDemo.Proxy";

    public static readonly ActivitySource ActivitySource = new(Name);
}
