using Microsoft.Extensions.DependencyInjection.Extensions;
using RedisStreamDemo.ServiceDefaults;

namespace RedisStreamDemo.Proxy.Telemetry;

/// <summary>Registers the proxy's metrics; call after AddServiceDefaults.</summary>
internal static class TelemetryExtensions
{
    public static IServiceCollection AddProxyTelemetry(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        return services.AddMetricsAtZero<ProxyMetrics>();
    }
}
