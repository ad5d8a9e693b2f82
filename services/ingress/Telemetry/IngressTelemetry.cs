using System.Diagnostics;

namespace IngressService.Telemetry;

/// <summary>The ingress's ActivitySource and meter name, and the names of its spans.</summary>
internal static class IngressTelemetry
{
    // Service defaults subscribe to every "RedisStreamDemo.*" source and meter.
    public const string Name = "RedisStreamDemo.Ingress";

    // Spans are named forecast.<step> in both apps.
    public const string AcceptSpan = "forecast.accept";
    public const string PublishSpan = "forecast.publish";
    public const string ReplySpan = "forecast.reply";

    public static readonly ActivitySource ActivitySource = new(Name);
}
