using Microsoft.Extensions.DependencyInjection.Extensions;
using RedisStreamDemo.ServiceDefaults;

namespace ProxyService;

/// <summary>Registers the proxy's metrics; call after AddServiceDefaults.</summary>
internal static class ProxyExtensions
{
    public static IServiceCollection AddProxyTelemetry(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        return services.AddMetricsAtZero<ProxyMetrics>();
    }
}
