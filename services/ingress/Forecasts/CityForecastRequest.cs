namespace RedisStreamDemo.Ingress.Forecasts;

/// <summary>The body of POST /WeatherForecast/city, as documented in OpenAPI; read by ForecastBodyReader.</summary>
internal sealed record CityForecastRequest(string City, string? Location);
