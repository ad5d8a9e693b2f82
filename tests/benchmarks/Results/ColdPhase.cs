using Benchmarks.Measurement;

namespace Benchmarks.Results;

/// <summary>
/// A fresh target's first minutes at the highest concurrency: windows of equal length until two
/// consecutive ones agree (<see cref="SteadyState"/>) and the processes go quiet soon after the
/// load stops. "Until steady" counts the requests and seconds of load before the first window of
/// that run (pauses left out); its resolution is one window.
/// </summary>
internal sealed record ColdPhase(
    string Name,
    int Concurrency,
    double WindowSeconds,
    bool Steady,
    long? RequestsUntilSteady,
    double? SecondsUntilSteady,
    double FirstWindowRps,
    double? SteadyRps,
    IReadOnlyList<WarmupWindow> Windows)
{
    /// <summary>Seconds after the last warm-up window until the processes were quiet (late tiered compilation, mostly).</summary>
    public double? SecondsUntilQuiet { get; init; }

    /// <summary>CPU the processes spent, all together, in those seconds with no load.</summary>
    public double? CpuMsUntilQuiet { get; init; }

    /// <summary>Plateaus that looked steady but were followed by seconds of work once the load stopped.</summary>
    public IReadOnlyList<WarmupPause> Pauses { get; init; } = [];

    public static ColdPhase From(string name, int concurrency, TimeSpan window, IReadOnlyList<WarmupWindow> windows, int? steadyIndex)
    {
        var before = steadyIndex is { } i ? windows.Take(i).ToList() : null;
        return new ColdPhase(
            name,
            concurrency,
            window.TotalSeconds,
            steadyIndex is not null,
            before?.Sum(w => w.Requests),
            before is null ? null : Math.Round(before.Sum(w => w.Seconds), 1),
            windows.Count > 0 ? windows[0].ThroughputRps : 0,
            steadyIndex is { } s ? Math.Round(windows.Skip(s).Average(w => w.ThroughputRps), 1) : null,
            windows);
    }
}

/// <summary>A pause after <see cref="AfterWindows"/> warm-up windows, and the CPU the processes spent in it with no load.</summary>
internal sealed record WarmupPause(int AfterWindows, double Seconds, double CpuMs);

/// <summary>One warm-up window: its throughput, tail latency and CPU per request (all processes, and the product's).</summary>
internal sealed record WarmupWindow(long Requests, long Errors, double Seconds, double ThroughputRps, double P99Ms, double? CpuMsPerRequest, double? ProductCpuMsPerRequest)
{
    public static WarmupWindow From(MeasuredWindow window) => new(
        window.Summary.Requests,
        window.Summary.Errors,
        Math.Round(window.Summary.ElapsedSeconds, 3),
        Math.Round(window.Summary.ThroughputRps, 1),
        window.Summary.P99Ms,
        window.TotalCpuMsPerRequest is { } total ? Math.Round(total, 4) : null,
        window.ProductCpuMsPerRequest is { } product ? Math.Round(product, 4) : null);
}
