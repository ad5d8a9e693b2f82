using Benchmarks.Cases;

namespace Benchmark.Tests;

public sealed class HopBreakdownTests
{
    [Fact]
    public void Each_hop_is_the_time_between_consecutive_points_and_the_means_add_up_to_the_total()
    {
        double[][] requests =
        [
            [1000, 1001, 1003, 1004, 1006, 1010],
            [2000, 2002, 2003, 2006, 2007, 2012],
        ];

        var breakdown = HopBreakdown.From(requests);

        Assert.Equal([1.5, 1.5, 2, 1.5, 4.5], breakdown.Hops.Select(h => h.MeanMs));
        Assert.Equal(11, breakdown.TotalMeanMs);
        Assert.Equal(breakdown.TotalMeanMs, breakdown.Hops.Sum(h => h.MeanMs), 9);
        Assert.Equal(2, breakdown.Requests);
    }
}
