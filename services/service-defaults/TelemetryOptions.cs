using System.ComponentModel.DataAnnotations;

namespace RedisStreamDemo.ServiceDefaults;

public sealed class TelemetryOptions : IValidatableObject
{
    public const string SectionName = "Telemetry";

    // `dapr init` runs Zipkin here; empty turns the Zipkin exporter off.
    public string? ZipkinEndpoint { get; set; } = "http://localhost:9411/api/v2/spans";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(ZipkinEndpoint) &&
            !(Uri.TryCreate(ZipkinEndpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            yield return new ValidationResult("Telemetry:ZipkinEndpoint must be empty or an absolute http(s) URL.", [nameof(ZipkinEndpoint)]);
        }
    }
}
