using RedisStreamDemo.Stack;

namespace Faults.Scenarios;

/// <summary>
/// The ingress pod is lost under load: its app and its sidecar die together with SIGKILL (a node
/// failure, an eviction) and the launcher's supervisor starts both again, as Kubernetes starts a new
/// pod. Workflow mode: every instance is in the actor state store, so the new sidecar resumes them
/// (timers armed again, publishes in flight run again) and every accepted request is answered 200
/// with its own reply at its status URL. The replies the dead sidecar had read stay pending until
/// the new one reclaims them after processingTimeout (120 s), which bounds the recovery. Direct mode:
/// the waits live in the dead process, so requests accepted and unanswered at the kill are lost by
/// design (README, Correlation modes); the scenario counts them as expected and checks that
/// everything accepted after the new pod is up is answered.
/// </summary>
public sealed class IngressPodLostScenario(CorrelationMode mode = CorrelationMode.Workflow) : FaultScenario(
    mode, "ingress-pod-loss",
    "Ingress app and sidecar killed together with SIGKILL under load, both restarted (a lost pod)",
    // processingTimeout (120 s) and the next reclaim tick (redeliverInterval 15 s) for the replies the
    // dead sidecar had read, then the backlog.
    recoveryBound: TimeSpan.FromSeconds(180),
    timeLimit: TimeSpan.FromMinutes(6),
    // 500 ms on 4 terminals is 8/s against 10/s of load: requests wait at the proxy when the kill lands.
    stackOptions: new() { ProcessingTime = TimeSpan.FromMilliseconds(500), SidecarShutdown = SidecarShutdown.Kubernetes })
{
    protected override async Task ExecuteAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        var ingress = run.Stack.Stack[DaprNames.AppIds.Ingress];

        // 100 requests at 10/s: the load goes on through the kill and after the restart.
        var load = run.Requests.SendAtRateAsync(100, 10, "Podville", cancellationToken);
        await ScenarioRun.EventuallyAsync(
            () => Task.FromResult(run.Requests.Accepted.Count(r => !r.Finished) >= 10), TimeSpan.FromSeconds(20), cancellationToken, TimeSpan.FromMilliseconds(20));

        var waiting = run.Requests.Accepted.Where(r => !r.Finished).ToList();
        var kill = SupervisedKill.Kill(run, ingress, KillTarget.AppAndSidecar, $"with {waiting.Count} accepted requests unanswered");
        run.Check("the kill lands while accepted requests wait for their replies", waiting.Count > 0, $"{waiting.Count} waiting");
        if (Mode == CorrelationMode.Direct)
        {
            run.ExpectLoss(waiting, "their waits lived in the killed ingress process");
        }
        var upAt = await kill.AwaitRestartAsync(run, cancellationToken);

        await load;
        await run.CheckSettledAsync(TimeSpan.FromSeconds(240), cancellationToken);
        if (Mode == CorrelationMode.Workflow)
        {
            run.Check("requests waiting at the kill all get their own reply after it", waiting.All(r => r.Completed),
                $"{waiting.Count(r => r.Completed)}/{waiting.Count} answered with their own reply");
        }
        else
        {
            run.Note($"{waiting.Count(r => !r.Completed)} of the {waiting.Count} requests waiting at the kill were lost, {waiting.Count(r => r.Completed)} answered");
        }
        var afterRestart = run.Requests.Accepted.Where(r => r.SentAt >= upAt).ToList();
        run.Check("requests accepted by the new pod are all answered with their own reply", afterRestart.All(r => r.Completed),
            $"{afterRestart.Count(r => r.Completed)}/{afterRestart.Count} answered");
        run.Recovery = LastFinishedSince(run, kill.KilledAt);

        run.Note($"recovery counted from the kill; {run.Requests.DescribeRefused("while the pod was away")}");
    }
}
