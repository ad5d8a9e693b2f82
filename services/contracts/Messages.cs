using System.Text.Json.Serialization;

namespace RedisStreamDemo.Contracts;

/// <summary>
/// A weather request as the ingress publishes it to <c>weather-requests</c>. <c>ReplyTopic</c> is
/// set only in direct correlation mode (see <see cref="DaprNames.Topics.IsReplyTopic"/>); null means
/// <c>weather-responses</c> and is left out of the JSON, so workflow-mode messages are unchanged.
/// </summary>
public sealed record WeatherRequest(
    string RequestId,
    string City,
    string? Location,
    DateTimeOffset RequestedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ReplyTopic = null);

/// <summary>The proxy's answer, published to <c>weather-responses</c>.</summary>
public sealed record WeatherReply(
    string RequestId,
    string City,
    string? Location,
    IReadOnlyList<Forecast> Forecasts,
    string Terminal,
    DateTimeOffset ProcessedAt);

public sealed record Forecast(DateOnly Date, int TemperatureC, int TemperatureF, string Summary);
