using RedisStreamDemo.Proxy.Forecasts;

namespace Proxy.Tests.Support;

internal static class TestData
{
    // Every wait in these tests is bounded by this.
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static readonly DateTimeOffset RequestedAt = new(2025, 6, 1, 8, 30, 0, TimeSpan.Zero);

    public static WeatherRequest Request(string requestId = "request-1", string city = "Oslo") =>
        new(requestId, city, "Majorstuen", RequestedAt);

    public static WeatherReply Reply(string requestId = "request-1", string city = "Oslo") =>
        new(requestId, city, "Majorstuen", ForecastGenerator.ForDays(city, DateOnly.FromDateTime(RequestedAt.UtcDateTime)), "terminal-1", RequestedAt.AddMilliseconds(20));

    // A Dapr call that never answers: it ends only when the caller's token is cancelled.
    public static async Task<T> HangUntilCancelled<T>(CancellationToken cancellationToken)
    {
        await Task.Delay(System.Threading.Timeout.Infinite, cancellationToken);
        throw new InvalidOperationException("Task.Delay(Infinite) returned without being cancelled.");
    }
}
