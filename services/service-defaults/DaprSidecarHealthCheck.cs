using Dapr.Client;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace RedisStreamDemo.ServiceDefaults;

/// <summary>Ready only while the Dapr sidecar answers its health endpoint.</summary>
internal sealed class DaprSidecarHealthCheck(DaprClient dapr) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            return await dapr.CheckHealthAsync(timeout.Token)
                ? HealthCheckResult.Healthy("Dapr sidecar answered /v1.0/healthz.")
                : HealthCheckResult.Unhealthy("Dapr sidecar is not healthy.");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("Dapr sidecar is unreachable.", ex);
        }
    }
}
