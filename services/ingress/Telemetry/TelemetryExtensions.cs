using RedisStreamDemo.ServiceDefaults;

namespace RedisStreamDemo.Ingress.Telemetry;

/// <summary>Registers the ingress's metrics; call after AddServiceDefaults.</summary>
internal static class TelemetryExtensions
{
    public static IServiceCollection AddIngressTelemetry(this IServiceCollection services) =>
        services.AddMetricsAtZero<IngressMetrics>();
}
