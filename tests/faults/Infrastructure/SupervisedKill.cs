using System.Diagnostics;
using RedisStreamDemo.Stack;

namespace Faults.Infrastructure;

/// <summary>Which of an app's processes a fault kills: the app (a crash), its sidecar, or both (a lost pod).</summary>
public enum KillTarget
{
    App,
    Sidecar,
    AppAndSidecar,
}

/// <summary>
/// SIGKILL to an app's process(es) from outside the launcher, so its supervisor sees a crash and starts
/// them again, as Kubernetes restarts a crashed container or replaces a lost pod. The scenario kills
/// (<see cref="Kill"/>), checks what is its own, then waits for the restart (<see cref="AwaitRestartAsync"/>).
/// The pids are the app's and the sidecar's at the kill, killed or not.
/// </summary>
public sealed record SupervisedKill(AppInstance Instance, KillTarget Target, int AppPid, int? SidecarPid, TimeSpan KilledAt)
{
    /// <summary>Kills now and notes it: "{who} killed with SIGKILL {context}".</summary>
    public static SupervisedKill Kill(ScenarioRun run, AppInstance instance, KillTarget target, string context)
    {
        var appPid = instance.ProcessId ?? throw new InvalidOperationException($"the {instance.AppId} is not running");
        var sidecarPid = instance.SidecarProcessId;
        var killedAt = run.Clock.Elapsed;
        if (target != KillTarget.App)
        {
            sidecarPid = run.Stack.Stack.KillSidecar(instance.AppId);
        }
        if (target != KillTarget.Sidecar)
        {
            using var process = Process.GetProcessById(appPid);
            process.Kill();
        }
        run.Note(target switch
        {
            KillTarget.App => $"{instance.AppId} pid {appPid}",
            KillTarget.Sidecar => $"{instance.AppId} sidecar pid {sidecarPid}",
            _ => $"{instance.AppId} pid {appPid} and its sidecar pid {sidecarPid}",
        } + $" killed with SIGKILL {context}");
        return new SupervisedKill(instance, target, appPid, sidecarPid, killedAt);
    }

    /// <summary>
    /// Checks that the supervisor starts new processes for the killed ones within 30 s, then waits until
    /// the app is healthy; returns when it was.
    /// </summary>
    public async Task<TimeSpan> AwaitRestartAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        var restarted = await ScenarioRun.EventuallyAsync(
            () => Task.FromResult((Target == KillTarget.Sidecar || Replaced(AppPid, Instance.ProcessId))
                && (Target == KillTarget.App || Replaced(SidecarPid, Instance.SidecarProcessId))),
            TimeSpan.FromSeconds(30), cancellationToken);
        var after = $"{(run.Clock.Elapsed - KilledAt).TotalSeconds:0.0} s after the kill";
        var (name, newPids, missing) = Target switch
        {
            KillTarget.App => ($"the supervisor restarts the killed {Instance.AppId}", $"new pid {Instance.ProcessId}", "no new process within 30 s"),
            KillTarget.Sidecar => ("the supervisor restarts the killed sidecar", $"new pid {Instance.SidecarProcessId}", "no new process within 30 s"),
            _ => ("the supervisor restarts the app and its sidecar", $"new pids {Instance.ProcessId} and {Instance.SidecarProcessId}", "not both within 30 s"),
        };
        run.Check(name, restarted, restarted ? $"{newPids} {after}" : missing);

        await run.Stack.Stack.WaitUntilHealthyAsync(Instance, cancellationToken);
        var healthyAt = run.Clock.Elapsed;
        run.Note($"{Instance.AppId}{(Target == KillTarget.AppAndSidecar ? " pod" : "")} healthy again {(healthyAt - KilledAt).TotalSeconds:0.0} s after the kill");
        return healthyAt;
    }

    /// <summary>Checks that the process the kill spared (a killed app's sidecar, a killed sidecar's app) ran throughout, never restarted.</summary>
    public void CheckSparedKeptRunning(ScenarioRun run)
    {
        if (Target == KillTarget.App)
        {
            run.Check($"the {Instance.AppId}'s sidecar keeps running", Instance.SidecarProcessId == SidecarPid && Instance.Sidecar.Restarts == 0,
                $"sidecar pid {SidecarPid} -> {Instance.SidecarProcessId}");
        }
        else if (Target == KillTarget.Sidecar)
        {
            run.Check($"the {Instance.AppId} app survives its sidecar going away (same process)", Instance.ProcessId == AppPid && Instance.App.Restarts == 0,
                $"app pid {AppPid} -> {Instance.ProcessId}, restarts {Instance.App.Restarts}");
        }
    }

    // Another process runs in the killed one's place.
    private static bool Replaced(int? killed, int? now) => now is { } pid && pid != killed;
}
