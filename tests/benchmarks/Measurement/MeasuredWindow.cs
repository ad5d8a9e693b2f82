using Benchmarks.Cases;
using LoadTest.Running;

namespace Benchmarks.Measurement;

/// <summary>
/// One closed-model run of a fixed duration, with each watched process's CPU time read before and
/// after it (so per request) and, optionally, its peak RSS sampled alongside.
/// </summary>
internal sealed record MeasuredWindow(LoadSummary Summary, IReadOnlyDictionary<string, double?> CpuMsPerRequest, IReadOnlyDictionary<string, double?>? PeakRssMb)
{
    public static async Task<MeasuredWindow> RunAsync(IBenchmarkTarget target, int concurrency, TimeSpan duration, bool sampleMemory, CancellationToken cancellationToken)
    {
        var before = ProcessCpu.Snapshot(target.Processes);
        var rss = sampleMemory ? new RssSampler(target.Processes.ToDictionary(p => p.Slot, p => p.Pid, StringComparer.Ordinal)) : null;
        try
        {
            var stats = new LoadStats();
            var elapsed = await LoadRunner.RunAsync(new LoadPlan(concurrency, Duration: duration), target.SendAsync, stats, cancellationToken);
            var after = ProcessCpu.Snapshot(target.Processes);
            var peaks = rss is null ? null : await rss.StopAsync();
            var summary = stats.Summarize(elapsed);
            return new MeasuredWindow(summary, ProcessCpu.MsPerRequest(before, after, summary.Requests), peaks);
        }
        finally
        {
            if (rss is not null)
            {
                await rss.DisposeAsync();
            }
        }
    }

    /// <summary>The apps we ship (ingress and proxy); null when the case has none (the Redis floor).</summary>
    public double? ProductCpuMsPerRequest => Sum(CpuMsPerRequest.Where(p => WatchedProcess.IsProduct(p.Key)));

    /// <summary>Sidecars, Redis and the load generator.</summary>
    public double? InfrastructureCpuMsPerRequest => Sum(CpuMsPerRequest.Where(p => !WatchedProcess.IsProduct(p.Key)));

    public double? TotalCpuMsPerRequest => Sum(CpuMsPerRequest);

    private static double? Sum(IEnumerable<KeyValuePair<string, double?>> values)
    {
        var list = values.ToList();
        return list.Count == 0 || list.Any(v => v.Value is null) ? null : list.Sum(v => v.Value ?? 0);
    }
}
