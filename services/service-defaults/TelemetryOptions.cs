using System.ComponentModel.DataAnnotations;

namespace RedisStreamDemo.ServiceDefaults;

public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    // `dapr init` runs Zipkin here; empty turns the Zipkin exporter off.
    [Url]
    public string? ZipkinEndpoint { get; set; } = "http://localhost:9411/api/v2/spans";
}
