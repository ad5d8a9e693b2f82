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

        Assert.Equal(("not steady", false), (rows["requests until steady, fresh stack (full-stack)"].Measured, rows["requests until steady, fresh stack (full-stack)"].Met));
        Assert.True(rows["requests until steady, fresh stack (full-stack-direct)"].Met);
        Assert.True(rows["ingress CPU ms per request, workflow mode"].Met);
        Assert.True(rows["ingress CPU ms per request, direct mode"].Met);
        Assert.False(rows["proxy CPU ms per request, workflow mode"].Met);
        Assert.False(rows["proxy CPU ms per request, direct mode"].Met);
        Assert.Equal(("2.9%", false), (rows["full stack, direct mode, share of the Redis floor"].Measured, rows["full stack, direct mode, share of the Redis floor"].Met));
        Assert.True(rows["full stack, direct mode, p99 ms"].Met);
        Assert.True(rows["full stack, workflow mode, share of the Redis floor"].Met);
        Assert.False(rows["full stack, workflow mode, p99 ms"].Met);
        Assert.True(rows["full stack, c = 1, warm p50 ms, workflow mode"].Met);
        Assert.Null(rows["full stack, c = 1, warm p50 ms, direct mode"].Met);
        Assert.Equal("190", rows.Single(r => r.Key.StartsWith("peak RSS per app", StringComparison.Ordinal)).Value.Measured);
    }
}
