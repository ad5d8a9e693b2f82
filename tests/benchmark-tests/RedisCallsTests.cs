using Benchmarks.Measurement;

namespace Benchmark.Tests;

public sealed class RedisCallsTests
{
    [Theory]
    [InlineData("calls=5995,usec=24431,usec_per_call=4.08,rejected_calls=0,failed_calls=0", 5995L)]
    [InlineData("usec=1,calls=7", 7L)]
    [InlineData("usec=1,rejected_calls=3", null)]
    [InlineData("calls=x", null)]
    public void Calls_are_read_from_a_commandstats_line(string value, long? expected) =>
        Assert.Equal(expected, RedisCalls.ParseCalls(value));
}
