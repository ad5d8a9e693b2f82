using RedisStreamDemo.Contracts;

namespace Proxy.Tests.Support;

internal static class TestData
{
    // Every wait in these tests is bounded by this.
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static readonly DateTimeOffset RequestedAt = new(2025, 6, 1, 8, 30, 0, TimeSpan.Zero);

    public static WeatherRequest Request(string requestId = "request-1", string city = "Oslo") =>
        new(requestId, city, "Majorstuen", RequestedAt);
}
