using Benchmarks.Measurement;

namespace Benchmark.Tests;

public sealed class SteadyStateTests
{
    [Fact]
    public void A_rising_throughput_is_steady_from_the_first_of_three_windows_within_ten_percent() =>
        Assert.Equal(3, SteadyState.FirstSteadyWindow([105, 149, 256, 322, 340, 345, 402]));

    [Fact]
    public void A_plateau_of_two_windows_is_not_yet_steady() =>
        Assert.Null(SteadyState.FirstSteadyWindow([10, 90, 110, 142, 140, 250]));

    [Fact]
    public void Throughput_that_holds_while_cpu_per_request_still_falls_is_not_steady() =>
        Assert.Null(SteadyState.FirstSteadyWindow([140, 142, 141], [9.0, 6.0, 4.0]));

    [Fact]
    public void Throughput_and_cpu_per_request_that_both_hold_are_steady() =>
        Assert.Equal(1, SteadyState.FirstSteadyWindow([90, 140, 142, 141], [9.0, 4.1, 4.0, 3.9]));

    [Fact]
    public void Windows_without_a_cpu_figure_are_judged_on_throughput() =>
        Assert.Equal(0, SteadyState.FirstSteadyWindow([140, 142, 141], [null, null, null]));

    [Fact]
    public void Windows_that_never_agree_are_not_steady() =>
        Assert.Null(SteadyState.FirstSteadyWindow([100, 150, 225, 340, 510]));

    [Fact]
    public void Fewer_windows_than_the_run_length_are_not_enough() =>
        Assert.Null(SteadyState.FirstSteadyWindow([400, 400]));

    [Fact]
    public void Agreement_is_measured_against_the_largest_value()
    {
        Assert.True(SteadyState.Agree([90, 100, 95], 0.10));
        Assert.True(SteadyState.Agree([100, 90], 0.10));
        Assert.False(SteadyState.Agree([89, 100], 0.10));
    }

    [Fact]
    public void Empty_windows_do_not_count_as_steady() =>
        Assert.Null(SteadyState.FirstSteadyWindow([0, 0, 0]));
}
