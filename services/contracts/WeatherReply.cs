namespace RedisStreamDemo.Contracts;

/// <summary>The proxy's answer, published to <c>weather-responses</c>.</summary>
public sealed record WeatherReply(
    string RequestId,
    string City,
    string? Location,
    IReadOnlyList<Forecast> Forecasts,
    string Terminal,
    DateTimeOffset ProcessedAt);
