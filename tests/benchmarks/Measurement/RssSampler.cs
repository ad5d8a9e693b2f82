using System.Globalization;

namespace Benchmarks.Measurement;

/// <summary>
/// Peak resident memory of some processes over one measurement. Linux keeps the peak in
/// /proc/&lt;pid&gt;/status VmHWM for the process's whole life; writing 5 to clear_refs resets it, so
/// each case gets its own peak. Where that is refused, the peak is the largest VmRSS sampled
/// every 100 ms instead.
/// </summary>
internal sealed class RssSampler : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, int> _processes;
    private readonly Dictionary<string, long> _peakKb = new(StringComparer.Ordinal);
    private readonly HashSet<string> _hwmReset = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;

    public RssSampler(IReadOnlyDictionary<string, int> processes)
    {
        _processes = processes;
        foreach (var (name, pid) in processes)
        {
            if (TryResetPeak(pid))
            {
                _hwmReset.Add(name);
            }
        }
        _sampling = Task.Run(SampleLoopAsync);
    }

    public async Task<IReadOnlyDictionary<string, double?>> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        Sample();
        return _processes.Keys.ToDictionary(
            name => name,
            name => _peakKb.TryGetValue(name, out var kb) ? Math.Round(kb / 1024.0, 1) : (double?)null,
            StringComparer.Ordinal);
    }

    private async Task SampleLoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            do
            {
                Sample();
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    private void Sample()
    {
        foreach (var (name, pid) in _processes)
        {
            var kb = ReadStatusKb(pid, "VmRSS:");
            if (_hwmReset.Contains(name))
            {
                kb = Math.Max(kb ?? 0, ReadStatusKb(pid, "VmHWM:") ?? 0);
            }
            if (kb is > 0 and var value)
            {
                _peakKb[name] = Math.Max(_peakKb.GetValueOrDefault(name), value);
            }
        }
    }

    public static long? ReadStatusKb(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    var number = line[field.Length..].Trim().Split(' ')[0];
                    return long.Parse(number, CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            // The process is gone.
        }
        catch (UnauthorizedAccessException)
        {
            // Not ours.
        }
        return null;
    }

    private static bool TryResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
            await _sampling;
        }
        _stop.Dispose();
    }
}
