namespace RedisStreamDemo.Stack;

/// <summary>
/// daprd's shutdown flags for the sidecars a stack starts, and how long the launcher lets a sidecar
/// shut down after SIGTERM before it sends SIGKILL.
/// </summary>
/// <param name="BlockDuration">--dapr-block-shutdown-duration; null leaves the flag out (no block).</param>
/// <param name="GracefulShutdownSeconds">--dapr-graceful-shutdown-seconds; null leaves daprd's default, 5 s.</param>
/// <param name="StopGracePeriod">SIGTERM to SIGKILL; null takes <see cref="StackOptions.StopGracePeriod"/>.</param>
public sealed record SidecarShutdown(TimeSpan? BlockDuration, int? GracefulShutdownSeconds, TimeSpan? StopGracePeriod)
{
    /// <summary>
    /// What `dapr run -f .` gives daprd: the CLI's run file has no field for either flag (dapr/cli
    /// pkg/standalone/run.go RunConfig), so no block and a 5 s grace period.
    /// </summary>
    public static SidecarShutdown RunFile { get; } = new(null, null, null);

    /// <summary>
    /// k8s/base/{ingress,proxy}.yaml (dapr.io/block-shutdown-duration "30s",
    /// dapr.io/graceful-shutdown-seconds "20", terminationGracePeriodSeconds 90) and
    /// docker-compose.yml (the same flags, stop_grace_period 90s).
    /// </summary>
    public static SidecarShutdown Kubernetes { get; } = new(TimeSpan.FromSeconds(30), 20, TimeSpan.FromSeconds(90));
}
