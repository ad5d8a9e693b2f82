namespace TestSidecar.Hosting;

/// <summary>
/// Readiness as /v1.0/healthz reports it (ready once components are up and the app's subscriptions
/// are loaded), and the app's health as daprd's runtime tracks it for the shutdown block.
/// </summary>
internal sealed class SidecarState
{
    private readonly Lock _gate = new();
    private volatile bool _ready;

    // dapr/dapr v1.18.3 pkg/runtime/runtime.go isAppHealthy: created closed (the app counts as
    // unhealthy until first reported healthy), replaced by an open channel when the app becomes
    // healthy, closed again when it turns unhealthy.
    private TaskCompletionSource _appUnhealthy = Completed();

    public bool Ready => _ready;

    public void MarkReady() => _ready = true;

    /// <summary>Completes when the app is (or turns) unhealthy; a fresh task after each recovery.</summary>
    public Task AppUnhealthy
    {
        get
        {
            lock (_gate)
            {
                return _appUnhealthy.Task;
            }
        }
    }

    /// <summary>runtime.go appHealthChanged: without an app health check daprd calls it once, healthy, when its init completes.</summary>
    public void AppHealthChanged(bool healthy)
    {
        lock (_gate)
        {
            if (healthy && _appUnhealthy.Task.IsCompleted)
            {
                _appUnhealthy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            else if (!healthy)
            {
                _appUnhealthy.TrySetResult();
            }
        }
    }

    private static TaskCompletionSource Completed()
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        source.SetResult();
        return source;
    }
}
