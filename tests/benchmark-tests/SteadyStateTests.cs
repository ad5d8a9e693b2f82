using Benchmarks.Measurement;

namespace Benchmark.Tests;

public sealed class SteadyStateTests
{
    [Fact]
    public void A_rising_throughput_is_steady_from_the_first_of_two_windows_within_ten_percent() =>
        Assert.Equal(3, SteadyState.FirstSteadyWindow([105, 149, 256, 322, 340, 402]));

    [Fact]
    public void Windows_that_never_agree_are_not_steady() =>
        Assert.Null(SteadyState.FirstSteadyWindow([100, 150, 225, 340, 510]));

    [Fact]
    public void One_window_is_not_enough() =>
        Assert.Null(SteadyState.FirstSteadyWindow([400]));

    [Fact]
    public void Agreement_is_measured_against_the_larger_window_either_way_round()
    {
        Assert.True(SteadyState.Agree(90, 100, 0.10));
        Assert.True(SteadyState.Agree(100, 90, 0.10));
        Assert.False(SteadyState.Agree(89, 100, 0.10));
    }

    [Fact]
    public void Two_empty_windows_do_not_count_as_steady() =>
        Assert.Null(SteadyState.FirstSteadyWindow([0, 0, 0]));
}
