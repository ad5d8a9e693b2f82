using System.Diagnostics;
using Faults.Infrastructure;
using RedisStreamDemo.Contracts;

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
public sealed class IngressKilledScenario : FaultScenario
{
    protected override string BaseName => "ingress-sigkill";

    public override string Title => "Ingress killed with SIGKILL under load, restarted by the supervisor; workflows resume";

    // Supervisor backoff 1 s + start-up, the workflow worker reconnecting, then the backlog of
    // 500 ms requests on 4 terminals and the retry backoff of replies that found no ingress.
    public override TimeSpan RecoveryBound => TimeSpan.FromSeconds(90);

    // 500 ms on 4 terminals is 8/s against 10/s of load: a backlog waits at the proxy when the kill lands.
    protected override FaultStackOptions StackOptions => new()
    {
        AppEnvironment = { [DaprNames.AppIds.Proxy] = new() { ["Terminals__ProcessingTime"] = "00:00:00.500" } },
    };

    protected override async Task ExecuteAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        await WarmUpAsync(run, cancellationToken);
        var stack = run.Stack.Stack;
        var ingress = stack[DaprNames.AppIds.Ingress];
        var sidecarPid = ingress.SidecarProcessId;

        // 100 requests at 10/s: the load goes on through the kill and after the restart.
        var load = run.Requests.SendAtRateAsync(100, 10, "Crashville", cancellationToken);
        var busyAtKill = 0;
        await ScenarioRun.EventuallyAsync(async () =>
        {
            busyAtKill = await BusyTerminalsAsync(run, cancellationToken);
            return run.Requests.All.Count >= 30 && busyAtKill >= 2;
        }, TimeSpan.FromSeconds(20), cancellationToken, TimeSpan.FromMilliseconds(20));

        var oldPid = ingress.ProcessId ?? throw new InvalidOperationException("the ingress is not running");
        var killedAt = run.Clock.Elapsed;
        var acceptedBeforeKill = run.Requests.Accepted.Count;
        // Killed from outside the launcher, so its supervisor sees a crash and restarts the process.
        using (var process = Process.GetProcessById(oldPid))
        {
            process.Kill();
        }
        run.Note($"ingress pid {oldPid} killed with SIGKILL after {acceptedBeforeKill} accepted requests, {busyAtKill} terminals busy");
        run.Check("the kill lands while the proxy is working on accepted requests", busyAtKill > 0, $"{busyAtKill} terminals busy");

        var restarted = await ScenarioRun.EventuallyAsync(
            () => Task.FromResult(ingress.ProcessId is { } pid && pid != oldPid), TimeSpan.FromSeconds(30), cancellationToken);
        run.Check("the supervisor restarts the killed ingress", restarted,
            restarted ? $"new pid {ingress.ProcessId} {(run.Clock.Elapsed - killedAt).TotalSeconds:0.0} s after the kill" : "no new process within 30 s");
        await stack.WaitUntilHealthyAsync(ingress, cancellationToken);
        run.Note($"ingress healthy again {(run.Clock.Elapsed - killedAt).TotalSeconds:0.0} s after the kill");

        await load;
        var settled = await run.Requests.SettleAsync(TimeSpan.FromSeconds(150), cancellationToken);
        run.Check("every accepted request gets a final answer within 150 s", settled, $"{run.Requests.Accepted.Count(r => r.Finished)}/{run.Requests.Accepted.Count} finished");
        var acceptedBefore = run.Requests.Accepted.Where(r => r.SentAt < killedAt).ToList();
        run.Check("requests accepted before the kill all get their own reply after it", acceptedBefore.All(r => r.Completed),
            $"{acceptedBefore.Count(r => r.Completed)}/{acceptedBefore.Count} answered with their own reply");
        run.Check("the ingress's sidecar keeps running", ingress.SidecarProcessId == sidecarPid, $"sidecar pid {sidecarPid} -> {ingress.SidecarProcessId}");
        run.Recovery = LastFinishedSince(run, killedAt);

        var probe = await run.Requests.SendAsync("Afterville", respondAsync: false, cancellationToken: cancellationToken);
        await run.Requests.SettleAsync(TimeSpan.FromSeconds(60), cancellationToken);
        run.Check("a new request after the restart is answered", probe.Completed, probe.ToString());

        var refused = run.Requests.All.Where(r => !r.Accepted).ToList();
        run.Note($"recovery counted from the kill; {refused.Count} POSTs refused while the ingress was away" +
                 (refused.Count == 0 ? "" : $": {string.Join("; ", refused.Select(r => r.Detail).Distinct().Take(3))}"));
    }

    private static async Task<int> BusyTerminalsAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        try
        {
            return (await Terminals.ReadAsync(run.Stack.Http, run.Stack.Proxy, cancellationToken)).Busy;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }
}
