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
