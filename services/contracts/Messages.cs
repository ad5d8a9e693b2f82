namespace RedisStreamDemo.Contracts;

/// <summary>A weather request as the ingress publishes it to <c>weather-requests</c>.</summary>
public sealed record WeatherRequest(string RequestId, string City, string? Location, DateTimeOffset RequestedAt);

/// <summary>The proxy's answer, published to <c>weather-responses</c>.</summary>
public sealed record WeatherReply(
    string RequestId,
    string City,
    string? Location,
    IReadOnlyList<Forecast> Forecasts,
    string Terminal,
    DateTimeOffset ProcessedAt);

public sealed record Forecast(DateOnly Date, int TemperatureC, int TemperatureF, string Summary);
