using Microsoft.Extensions.Hosting;

namespace RedisStreamDemo.ServiceDefaults;

/// <summary>
/// Calls <see cref="ICountersAtZero.StartAtZero"/> at startup. Registered after the service
/// defaults, it starts after OpenTelemetry's hosted service: by then the Prometheus exporter
/// listens and the zeros are recorded.
/// </summary>
internal sealed class CountersAtZeroService<TMetrics>(TMetrics metrics) : IHostedService
    where TMetrics : ICountersAtZero
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        metrics.StartAtZero();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
