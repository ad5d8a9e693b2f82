namespace RedisStreamDemo.Stack;

/// <summary>
/// An app's health check settings in the run file and the daprd flags `dapr run` derives from them
/// (dapr/cli pkg/standalone/run.go SharedRunConfig and getArgsFromSchema): the bool flag only when
/// true, the path whenever it is set (even with the check off), interval, timeout and threshold when
/// not 0. daprd applies its own defaults to what is left out.
/// </summary>
public sealed record AppHealthCheck(bool Enabled, string? Path, int ProbeIntervalSeconds, int ProbeTimeoutMilliseconds, int Threshold)
{
    public IEnumerable<string> DaprdArguments()
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        if (Enabled)
        {
            yield return "--enable-app-health-check";
        }
        if (!string.IsNullOrEmpty(Path))
        {
            yield return "--app-health-check-path";
            yield return Path;
        }
        if (ProbeIntervalSeconds != 0)
        {
            yield return "--app-health-probe-interval";
            yield return ProbeIntervalSeconds.ToString(invariant);
        }
        if (ProbeTimeoutMilliseconds != 0)
        {
            yield return "--app-health-probe-timeout";
            yield return ProbeTimeoutMilliseconds.ToString(invariant);
        }
        if (Threshold != 0)
        {
            yield return "--app-health-threshold";
            yield return Threshold.ToString(invariant);
        }
    }
}
