using TestSidecar.Resources;

namespace TestSidecar.Diagnostics;

/// <summary>
/// policy.go counts a timeout activation once per call (its runner's timeoutMetricsActivated flag), at
/// the first attempt whose deadline expired, however many attempts time out after it.
/// </summary>
internal sealed class TimeoutActivation(ComponentPolicy? policy)
{
    private int _expired;

    public void Expired()
    {
        if (Interlocked.Exchange(ref _expired, 1) == 0)
        {
            policy?.Metrics?.TimeoutActivated();
        }
    }
}
