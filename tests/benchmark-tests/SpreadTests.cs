using Benchmarks.Measurement;

namespace Benchmark.Tests;

public sealed class SpreadTests
{
    [Fact]
    public void An_odd_count_has_the_middle_value_as_median() =>
        Assert.Equal(new Spread(3, 1, 9, 5), Spread.Of([9, 1, 3, 7, 2]));

    [Fact]
    public void An_even_count_has_the_mean_of_the_two_middle_values_as_median() =>
        Assert.Equal(new Spread(2.5, 1, 4, 4), Spread.Of([4, 1, 3, 2]));

    [Fact]
    public void No_values_give_no_spread() =>
        Assert.Null(Spread.Of([]));

    [Fact]
    public void Values_that_are_not_numbers_are_left_out() =>
        Assert.Equal(new Spread(2, 2, 2, 1), Spread.Of([double.NaN, 2, double.PositiveInfinity]));
}
