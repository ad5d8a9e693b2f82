using System.Diagnostics;

namespace RedisStreamDemo.Ingress.Telemetry;

/// <summary>
/// The ingress's ActivitySource and meter name. Spans are named forecast.&lt;step&gt; in both apps:
/// forecast.accept, forecast.publish and forecast.reply here, forecast.process in the proxy.
/// </summary>
internal static class IngressTelemetry
{
    // Service defaults subscribe to every "RedisStreamDemo.*" source and meter.
    public const string Name = "RedisStreamDemo.Ingress";

    public static readonly ActivitySource ActivitySource = new(Name);
}
