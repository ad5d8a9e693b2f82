namespace TestSidecar.Hosting;

/// <summary>
/// daprd's app health check settings (dapr/dapr v1.18.3 cmd/daprd/options/options.go,
/// pkg/runtime/config.go, pkg/config/app_connection.go): path default /healthz, interval in whole
/// seconds (default 5 s), timeout in milliseconds (default 500 ms), threshold (default 3); a value
/// of 0 or below takes the default.
/// </summary>
internal sealed record AppHealthCheckOptions(string Path, TimeSpan ProbeInterval, TimeSpan ProbeTimeout, int Threshold)
{
    public static readonly TimeSpan DefaultProbeInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultProbeTimeout = TimeSpan.FromMilliseconds(500);
    public const int DefaultThreshold = 3;
}
