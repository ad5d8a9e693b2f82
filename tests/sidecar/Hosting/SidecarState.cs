namespace TestSidecar.Hosting;

/// <summary>Readiness as /v1.0/healthz reports it: ready once components are up and the app's subscriptions are loaded.</summary>
internal sealed class SidecarState
{
    private volatile bool _ready;

    public bool Ready => _ready;

    public void MarkReady() => _ready = true;
}
