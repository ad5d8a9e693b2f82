using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace RedisStreamDemo.Stack;

public enum StopSignal
{
    /// <summary>SIGTERM: the process shuts down gracefully (SIGKILL after the grace period).</summary>
    Term,

    /// <summary>SIGKILL: the process dies at once, as in a crash or an OOM kill.</summary>
    Kill,
}

/// <summary>
/// One supervised child process: started as given, its output kept (the last lines) and optionally
/// forwarded with a name prefix, and restarted with exponential backoff when it dies unexpectedly,
/// as Kubernetes restarts a crashed container.
/// </summary>
public sealed partial class ChildProcess(string name, Func<ProcessStartInfo> startInfo, bool restartWhenDead, Action<string>? output, Action<string> log, int keptLines = 300)
    : IAsyncDisposable
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    // A run this long counts as healthy: the next crash starts the backoff from the beginning.
    private static readonly TimeSpan StableRun = TimeSpan.FromSeconds(30);

    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _disposed = new();
    private Process? _process;
    private DateTime _startedAt;
    private bool _wanted;
    private TimeSpan _backoff = FirstBackoff;

    public string Name { get; } = name;

    public int? ProcessId
    {
        get
        {
            lock (_gate)
            {
                try
                {
                    return _process is { HasExited: false } process ? process.Id : null;
                }
                catch (InvalidOperationException)
                {
                    return null;
                }
            }
        }
    }

    public bool IsRunning => ProcessId is not null;

    /// <summary>How many times the supervisor restarted this process after it died.</summary>
    public int Restarts { get; private set; }

    public IReadOnlyList<string> RecentLines()
    {
        lock (_lines)
        {
            return [.. _lines];
        }
    }

    public string Tail(int lines = 40) => string.Join(Environment.NewLine, RecentLines().TakeLast(lines));

    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            _wanted = true;
            if (_process is { HasExited: false })
            {
                return;
            }
            StartLocked();
        }
    }

    public async Task StopAsync(StopSignal signal, TimeSpan gracePeriod)
    {
        Process? process;
        lock (_gate)
        {
            _wanted = false;
            process = _process;
        }
        if (process is null)
        {
            return;
        }
        await TerminateAsync(process, signal, gracePeriod);
    }

    // For a host that is exiting: no waiting, no restart.
    internal void KillNow()
    {
        lock (_gate)
        {
            _wanted = false;
            try
            {
                if (_process is { HasExited: false } process)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
    }

    private void StartLocked()
    {
        var info = startInfo();
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = false;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => OnExited(process);
        if (!process.Start())
        {
            throw new InvalidOperationException($"{Name}: {info.FileName} did not start.");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process?.Dispose();
        _process = process;
        _startedAt = DateTime.UtcNow;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_lines)
        {
            _lines.Enqueue(line);
            while (_lines.Count > keptLines)
            {
                _lines.Dequeue();
            }
        }
        output?.Invoke($"[{Name}] {line}");
    }

    private void OnExited(Process process)
    {
        TimeSpan delay;
        lock (_gate)
        {
            if (!ReferenceEquals(process, _process) || !_wanted || _disposed.IsCancellationRequested)
            {
                return;
            }
            var exitCode = SafeExitCode(process);
            if (!restartWhenDead)
            {
                log($"{Name} exited unexpectedly with code {exitCode}; not restarting (restarts are off).");
                return;
            }
            if (DateTime.UtcNow - _startedAt > StableRun)
            {
                _backoff = FirstBackoff;
            }
            delay = _backoff;
            _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, MaxBackoff.Ticks));
            log($"{Name} exited unexpectedly with code {exitCode}; restarting in {delay.TotalSeconds:0} s.");
        }
        _ = RestartAfterAsync(process, delay);
    }

    private async Task RestartAfterAsync(Process died, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _disposed.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        lock (_gate)
        {
            // Stopped, or started again by someone else, while we waited.
            if (!_wanted || _disposed.IsCancellationRequested || !ReferenceEquals(died, _process))
            {
                return;
            }
            try
            {
                StartLocked();
                Restarts++;
                log($"{Name} restarted (pid {_process.Id}, restart {Restarts}).");
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                log($"{Name} could not be restarted: {ex.Message}");
            }
        }
    }

    private async Task TerminateAsync(Process process, StopSignal signal, TimeSpan gracePeriod)
    {
        try
        {
            if (process.HasExited)
            {
                return;
            }
            if (signal == StopSignal.Term && SendSignal(process.Id, Sigterm))
            {
                using var grace = new CancellationTokenSource(gracePeriod);
                try
                {
                    await process.WaitForExitAsync(grace.Token);
                    return;
                }
                catch (OperationCanceledException)
                {
                    log($"{Name} did not stop within {gracePeriod.TotalSeconds:0} s of SIGTERM; killing it.");
                }
            }
            process.Kill(entireProcessTree: true);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped: nothing left to stop.
        }
    }

    private static int? SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private const int Sigterm = 15;

    private static bool SendSignal(int pid, int signal)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }
        return Kill(pid, signal) == 0;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} (pid {ProcessId?.ToString(CultureInfo.InvariantCulture) ?? "-"})");

    public async ValueTask DisposeAsync()
    {
        Process? process;
        lock (_gate)
        {
            _wanted = false;
            process = _process;
        }
        await _disposed.CancelAsync();
        if (process is not null)
        {
            await TerminateAsync(process, StopSignal.Kill, TimeSpan.Zero);
            lock (_gate)
            {
                _process = null;
            }
            process.Dispose();
        }
        _disposed.Dispose();
    }
}
