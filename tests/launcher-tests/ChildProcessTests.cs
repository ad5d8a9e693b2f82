using System.Diagnostics;
using RedisStreamDemo.Stack;
using TestSupport;

namespace Launcher.Tests;

// The launcher's process supervision, on plain shell processes (no apps needed).
public sealed class ChildProcessTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);
    private readonly List<string> _log = [];

    private ChildProcess Shell(string script, bool restart = false, Action<string>? output = null) =>
        new("sh", () =>
        {
            var info = new ProcessStartInfo("/bin/sh");
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(script);
            return info;
        }, restart, output, line => { lock (_log) { _log.Add(line); } }, keptLines: 5);

    [Fact]
    public async Task Output_lines_are_prefixed_with_the_name_and_the_last_ones_kept()
    {
        var forwarded = new List<string>();
        // stdout and stderr are read on separate threads: the pause keeps their order known.
        await using var child = Shell("echo oops >&2; sleep 0.3; for i in 1 2 3 4 5 6 7; do echo line$i; done; sleep 30", output: l => { lock (forwarded) { forwarded.Add(l); } });

        child.Start();
        await Eventually.Until(() => child.RecentLines().Contains("line7"), Deadline, "the child printing line7", Poll);

        Assert.Equal(["line3", "line4", "line5", "line6", "line7"], child.RecentLines());
        lock (forwarded)
        {
            Assert.Contains("[sh] oops", forwarded);
            Assert.Contains("[sh] line1", forwarded);
        }
    }

    [Fact]
    public async Task A_process_that_dies_is_restarted_and_the_restart_logged()
    {
        await using var child = Shell("echo started; sleep 0.2; exit 3", restart: true);

        child.Start();
        await Eventually.Until(() => child.Restarts >= 1, Deadline, "the child restarted", Poll);

        lock (_log)
        {
            Assert.Contains(_log, l => l.Contains("exited unexpectedly with code 3", StringComparison.Ordinal));
            Assert.Contains(_log, l => l.Contains("restarted", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_process_that_dies_stays_dead_when_restarts_are_off()
    {
        await using var child = Shell("exit 4");

        child.Start();
        await Eventually.Until(() => { lock (_log) { return _log.Count > 0; } }, Deadline, "a launcher log line", Poll);

        Assert.False(child.IsRunning);
        Assert.Equal(0, child.Restarts);
    }

    [Fact]
    public async Task Stop_with_sigterm_lets_the_process_run_its_handler()
    {
        var marker = Path.Combine(Path.GetTempPath(), $"stack-test-{Guid.NewGuid():N}");
        await using var child = Shell($"trap 'echo bye > {marker}; exit 0' TERM; echo ready; while true; do sleep 0.1; done", restart: true);
        child.Start();
        await Eventually.Until(() => child.RecentLines().Contains("ready"), Deadline, "the child printing ready", Poll);

        await child.StopAsync(StopSignal.Term, TimeSpan.FromSeconds(10));

        Assert.False(child.IsRunning);
        Assert.True(File.Exists(marker));
        File.Delete(marker);
        Assert.Equal(0, child.Restarts);
    }

    [Fact]
    public async Task Stop_with_sigkill_ends_a_process_that_ignores_sigterm_and_its_children()
    {
        await using var child = Shell("trap '' TERM; sleep 300 & echo child $!; wait");
        child.Start();
        await Eventually.Until(() => child.RecentLines().Any(l => l.StartsWith("child ", StringComparison.Ordinal)), Deadline, "the grandchild's pid printed", Poll);
        var grandchild = int.Parse(child.RecentLines().First(l => l.StartsWith("child ", StringComparison.Ordinal))[6..], System.Globalization.CultureInfo.InvariantCulture);

        await child.StopAsync(StopSignal.Term, TimeSpan.FromMilliseconds(300));

        Assert.False(child.IsRunning);
        await Eventually.Until(() => !Processes.IsAlive(grandchild), Deadline, "the grandchild gone", Poll);
    }

    [Fact]
    public async Task A_stopped_process_starts_again_on_demand()
    {
        await using var child = Shell("echo up; sleep 30");
        child.Start();
        var first = child.ProcessId;
        await child.StopAsync(StopSignal.Kill, TimeSpan.Zero);

        child.Start();

        Assert.NotNull(child.ProcessId);
        Assert.NotEqual(first, child.ProcessId);
    }
}
