namespace Faults.Scenarios;

/// <summary>
/// The ingress app dies with SIGKILL while requests stream in and the proxy has a backlog; the
/// launcher's supervisor restarts it, as Kubernetes restarts a crashed container. Its sidecar stays
/// up and holds every workflow instance's state, so the new process resumes them: replies that came
/// while it was down are redelivered by the sidecar, and every accepted request is answered 200 with
/// its own reply at its status URL. POSTs that reach the dead process are refused (the client is
/// told), never lost. Workflow mode only: in direct mode the wait lives in the dead process's memory
/// (README, Correlation modes).
/// </summary>
public sealed class IngressKilledScenario() : FaultScenario(
    CorrelationMode.Workflow, "ingress-sigkill",
    "Ingress killed with SIGKILL under load, restarted by the supervisor; workflows resume",
    // Supervisor backoff 1 s + start-up, the workflow worker reconnecting, then the backlog of
    // 500 ms requests on 4 terminals and the retry backoff of replies that found no ingress.
    recoveryBound: TimeSpan.FromSeconds(90),
    // 500 ms on 4 terminals is 8/s against 10/s of load: a backlog waits at the proxy when the kill lands.
    stackOptions: new() { ProcessingTime = TimeSpan.FromMilliseconds(500) })
{
    protected override async Task ExecuteAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        var ingress = run.Stack.Stack[DaprNames.AppIds.Ingress];

        // 100 requests at 10/s: the load goes on through the kill and after the restart.
        var load = run.Requests.SendAtRateAsync(100, 10, "Crashville", cancellationToken);
        var busyAtKill = await UntilBusyAsync(run, 2, TimeSpan.FromSeconds(20), cancellationToken);
        var kill = SupervisedKill.Kill(run, ingress, KillTarget.App, $"after {run.Requests.Accepted.Count} accepted requests, {busyAtKill} terminals busy");
        run.Check("the kill lands while the proxy is working on accepted requests", busyAtKill > 0, $"{busyAtKill} terminals busy");
        await kill.AwaitRestartAsync(run, cancellationToken);

        await load;
        await run.CheckSettledAsync(TimeSpan.FromSeconds(150), cancellationToken);
        var acceptedBefore = run.Requests.Accepted.Where(r => r.SentAt < kill.KilledAt).ToList();
        run.Check("requests accepted before the kill all get their own reply after it", acceptedBefore.All(r => r.Completed),
            $"{acceptedBefore.Count(r => r.Completed)}/{acceptedBefore.Count} answered with their own reply");
        kill.CheckSparedKeptRunning(run);
        run.Recovery = LastFinishedSince(run, kill.KilledAt);

        var probe = await run.Requests.SendAsync("Afterville", respondAsync: false, cancellationToken: cancellationToken);
        await run.Requests.SettleAsync(TimeSpan.FromSeconds(60), cancellationToken);
        run.Check("a new request after the restart is answered", probe.Completed, probe.ToString());

        run.Note($"recovery counted from the kill; {run.Requests.DescribeRefused("while the ingress was away")}");
    }
}
