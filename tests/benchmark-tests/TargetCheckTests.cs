using Benchmarks.Measurement;
using Benchmarks.Results;

namespace Benchmark.Tests;

public sealed class TargetCheckTests
{
    private static Spread Median(double value) => new(value, value, value, 1);

    [Fact]
    public void Each_target_is_read_from_its_case_and_level_and_compared_the_right_way()
    {
        CaseResult[] cases =
        [
            new("full-stack", 64, P99Ms: Median(320), RatioToRedisFloor: Median(0.02),
                CpuMsPerRequest: new Dictionary<string, Spread?> { ["ingress"] = Median(0.4), ["proxy"] = Median(0.3) },
                PeakRssMb: new Dictionary<string, double?> { ["ingress"] = 190, ["ingress-sidecar"] = 400 }),
            new("full-stack", 1, P50Ms: Median(4.9)),
            new("full-stack-direct", 64, P99Ms: Median(149), RatioToRedisFloor: Median(0.029),
                CpuMsPerRequest: new Dictionary<string, Spread?> { ["ingress"] = Median(0.25), ["proxy"] = Median(0.26) }),
        ];
        ColdPhase[] cold =
        [
            new("full-stack", 64, 3, Steady: false, null, null, 10, null, []),
            new("full-stack-direct", 64, 3, Steady: true, 1_900, 9, 100, 900, []),
        ];

        var rows = TargetCheck.From(cases, cold).ToDictionary(r => r.Measure, r => r);

        Assert.Equal(new Dictionary<string, bool?>
        {
            ["requests until steady, fresh stack (full-stack)"] = false,
            ["requests until steady, fresh stack (full-stack-direct)"] = true,
            ["ingress CPU ms per request, workflow mode"] = true,
            ["ingress CPU ms per request, direct mode"] = true,
            ["proxy CPU ms per request, workflow mode"] = false,
            ["proxy CPU ms per request, direct mode"] = false,
            ["full stack, direct mode, share of the Redis floor"] = false,
            ["full stack, direct mode, p99 ms"] = true,
            ["full stack, workflow mode, share of the Redis floor"] = true,
            ["full stack, workflow mode, p99 ms"] = false,
            ["full stack, c = 1, warm p50 ms, workflow mode"] = true,
            ["full stack, c = 1, warm p50 ms, direct mode"] = null,
            ["peak RSS per app, MB (not a soak: no level check past the retention window)"] = true,
        }, rows.ToDictionary(r => r.Key, r => r.Value.Met));
        Assert.Equal("not steady", rows["requests until steady, fresh stack (full-stack)"].Measured);
        Assert.Equal("2.9%", rows["full stack, direct mode, share of the Redis floor"].Measured);
        Assert.Equal("190", rows["peak RSS per app, MB (not a soak: no level check past the retention window)"].Measured);
    }
}
