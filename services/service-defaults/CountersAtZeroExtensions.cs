using Microsoft.Extensions.DependencyInjection;

namespace RedisStreamDemo.ServiceDefaults;

/// <summary>Registers a service's metrics class and exports its counters at 0 from startup.</summary>
public static class CountersAtZeroExtensions
{
    /// <summary>Call after <c>AddServiceDefaults</c>, so the zeros are recorded once the exporter listens.</summary>
    public static IServiceCollection AddMetricsAtZero<TMetrics>(this IServiceCollection services)
        where TMetrics : class, ICountersAtZero
    {
        services.AddSingleton<TMetrics>();
        services.AddHostedService<CountersAtZeroService<TMetrics>>();
        return services;
    }
}
