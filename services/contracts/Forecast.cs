namespace RedisStreamDemo.Contracts;

/// <summary>One day's forecast in a <see cref="WeatherReply"/>.</summary>
public sealed record Forecast(DateOnly Date, int TemperatureC, int TemperatureF, string Summary);
