namespace Faults.Scenarios;

/// <summary>
/// The proxy dies with SIGKILL while requests stream in (a crash or OOM kill); the launcher's
/// supervisor restarts it, as Kubernetes would. Its sidecar stays up: the deliveries it had in flight
/// to the dead process fail and are retried under the inbound policy until the new process answers.
/// A request whose reply was saved (and perhaps published) before the kill is answered by the new
/// process from the reply store, with the same reply; one whose work was cut short is processed from
/// the start, and only that one reply is ever published. Either way nothing is processed twice.
/// </summary>
public sealed class ProxyKilledScenario(CorrelationMode mode = CorrelationMode.Workflow) : FaultScenario(
    mode, "proxy-sigkill",
    "Proxy killed with SIGKILL under load, restarted by the supervisor",
    // Supervisor backoff 1 s + start-up, then the retry backoff of the deliveries that failed meanwhile.
    recoveryBound: TimeSpan.FromSeconds(60),
    stackOptions: new() { ProcessingTime = TimeSpan.FromMilliseconds(200) })
{
    protected override async Task ExecuteAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        await KillProxyUnderLoadAsync(run, KillTarget.App, "Killville", TimeSpan.FromSeconds(120), cancellationToken);
        run.Note($"recovery counted from the kill (the restart is part of the system); {await AnsweredAgainAsync(run)} request(s) answered again from the reply store");
    }
}
