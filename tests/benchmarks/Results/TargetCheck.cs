using Benchmarks.Measurement;

namespace Benchmarks.Results;

/// <summary>
/// One row of the performance issue's target table: what this run measured (a median, or a maximum
/// for memory), the target, and whether the run met it. Null measured: the run has no figure for it.
/// </summary>
internal sealed record TargetCheck(string Measure, string Measured, string Target, bool? Met)
{
    private const string Workflow = "full-stack";
    private const string Direct = "full-stack-direct";

    /// <summary>The targets, read off one run (c = 64 unless the measure says otherwise).</summary>
    public static IReadOnlyList<TargetCheck> From(IReadOnlyList<CaseResult> cases, IReadOnlyList<ColdPhase> coldPhases)
    {
        CaseResult? At(string name, int concurrency) => cases.FirstOrDefault(c => c.Name == name && c.Concurrency == concurrency && c.Skipped is null);
        double? Cpu(string name, string slot) => At(name, 64)?.CpuMsPerRequest?.GetValueOrDefault(slot)?.Median;

        var rows = new List<TargetCheck>();
        foreach (var name in new[] { Workflow, Direct })
        {
            var cold = coldPhases.FirstOrDefault(c => c.Name == name);
            rows.Add(AtMost($"requests until steady, fresh stack ({name})", cold is null ? null : cold.Steady ? cold.RequestsUntilSteady : null, 2_000, "N0",
                cold is { Steady: false } ? "not steady" : null));
        }
        rows.Add(AtMost("ingress CPU ms per request, workflow mode", Cpu(Workflow, WatchedProcess.Ingress), 0.5, "0.00"));
        rows.Add(AtMost("ingress CPU ms per request, direct mode", Cpu(Direct, WatchedProcess.Ingress), 0.25, "0.00"));
        rows.Add(AtMost("proxy CPU ms per request, workflow mode", Cpu(Workflow, WatchedProcess.Proxy), 0.25, "0.00"));
        rows.Add(AtMost("proxy CPU ms per request, direct mode", Cpu(Direct, WatchedProcess.Proxy), 0.25, "0.00"));
        rows.Add(AtLeast("full stack, direct mode, share of the Redis floor", At(Direct, 64)?.RatioToRedisFloor?.Median * 100, 3, "0.0", "%"));
        rows.Add(AtMost("full stack, direct mode, p99 ms", At(Direct, 64)?.P99Ms?.Median, 150, "0"));
        rows.Add(AtLeast("full stack, workflow mode, share of the Redis floor", At(Workflow, 64)?.RatioToRedisFloor?.Median * 100, 1.5, "0.0", "%"));
        rows.Add(AtMost("full stack, workflow mode, p99 ms", At(Workflow, 64)?.P99Ms?.Median, 300, "0"));
        rows.Add(AtMost("full stack, c = 1, warm p50 ms, workflow mode", At(Workflow, 1)?.P50Ms?.Median, 5, "0.0"));
        rows.Add(AtMost("full stack, c = 1, warm p50 ms, direct mode", At(Direct, 1)?.P50Ms?.Median, 3, "0.0"));
        var rss = cases.Where(c => c.Name is Workflow or Direct && c.PeakRssMb is not null)
            .SelectMany(c => c.PeakRssMb!.Where(p => WatchedProcess.IsProduct(p.Key)).Select(p => p.Value))
            .Where(v => v is not null).Max();
        rows.Add(AtMost("peak RSS per app, MB (not a soak: no level check past the retention window)", rss, 200, "0"));
        return rows;
    }

    private static TargetCheck AtMost(string measure, double? value, double target, string format, string? missing = null) =>
        new(measure, value is { } v ? v.ToString(format, System.Globalization.CultureInfo.InvariantCulture) : missing ?? "not measured",
            "<= " + target.ToString(System.Globalization.CultureInfo.InvariantCulture), value is { } m ? m <= target : missing is null ? null : false);

    private static TargetCheck AtLeast(string measure, double? value, double target, string format, string unit) =>
        new(measure, value is { } v ? v.ToString(format, System.Globalization.CultureInfo.InvariantCulture) + unit : "not measured",
            ">= " + target.ToString(System.Globalization.CultureInfo.InvariantCulture) + unit, value is { } m ? m >= target : null);
}
