using Benchmarks.Results;

namespace Benchmark.Tests;

public sealed class ColdPhaseTests
{
    [Fact]
    public void Until_steady_counts_the_windows_before_the_first_agreeing_run()
    {
        WarmupWindow[] windows =
        [
            Window(300, 100), Window(600, 200), Window(1170, 390), Window(1200, 400),
        ];

        var cold = ColdPhase.From("full-stack", 64, TimeSpan.FromSeconds(3), windows, steadyIndex: 2);

        Assert.True(cold.Steady);
        Assert.Equal(900, cold.RequestsUntilSteady);
        Assert.Equal(6, cold.SecondsUntilSteady);
        Assert.Equal(100, cold.FirstWindowRps);
        Assert.Equal(395, cold.SteadyRps);
    }

    [Fact]
    public void A_phase_that_never_settles_has_no_until_steady_figures()
    {
        var cold = ColdPhase.From("full-stack", 64, TimeSpan.FromSeconds(3), [Window(300, 100), Window(600, 200)], steadyIndex: null);

        Assert.False(cold.Steady);
        Assert.Null(cold.RequestsUntilSteady);
        Assert.Null(cold.SteadyRps);
    }

    private static WarmupWindow Window(long requests, double rps) => new(requests, 0, 3, rps, 10, null, null);
}
