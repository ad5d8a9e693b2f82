using RedisStreamDemo.Stack;

namespace Faults.Scenarios;

/// <summary>
/// The proxy's sidecar dies with SIGKILL under load (a crash, an OOM kill) and the launcher's
/// supervisor starts it again on the same ports, as the kubelet restarts a container; the proxy app
/// stays up. The app's publishes and state calls fail while the sidecar is gone and its deliveries in
/// flight lose their caller; the entries the dead sidecar had read stay pending and come back through
/// the new sidecar's reclaim after processingTimeout (120 s), answered from the reply store when the
/// reply was saved before the kill.
/// </summary>
public sealed class ProxySidecarKilledScenario(CorrelationMode mode = CorrelationMode.Workflow) : FaultScenario(
    mode, "proxy-sidecar-sigkill",
    "Proxy's sidecar killed with SIGKILL under load, restarted by the supervisor (the app stays up)",
    // The pending entries wait for processingTimeout (120 s) and the next reclaim tick (redeliverInterval 15 s).
    recoveryBound: TimeSpan.FromSeconds(180),
    timeLimit: TimeSpan.FromMinutes(6),
    stackOptions: new() { ProcessingTime = TimeSpan.FromMilliseconds(200), SidecarShutdown = SidecarShutdown.Kubernetes })
{
    protected override async Task ExecuteAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        await KillProxyUnderLoadAsync(run, KillTarget.Sidecar, "Crashville", TimeSpan.FromSeconds(240), cancellationToken);
        run.Note($"recovery counted from the kill; {await AnsweredAgainAsync(run)} request(s) answered again from the reply store");
    }
}
