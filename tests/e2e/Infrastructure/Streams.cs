using System.Text.Json;
using StackExchange.Redis;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>The Redis Streams under pub/sub: one stream per topic, one entry per published CloudEvent.</summary>
public static class Streams
{
    public const string Requests = "weather-requests";
    public const string Responses = "weather-responses";

    public sealed record Entry(RedisValue Id, string Data)
    {
        public JsonElement CloudEvent => JsonDocument.Parse(Data).RootElement;

        public string? RequestId =>
            CloudEvent.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
            && data.TryGetProperty("requestId", out var id) ? id.GetString() : null;

        /// <summary>Where the proxy answers this request: its replyTopic (direct mode), else weather-responses.</summary>
        public string ReplyTopic =>
            CloudEvent.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
            && data.TryGetProperty("replyTopic", out var topic) && topic.GetString() is { } name ? name : Responses;
    }

    public static async Task<IReadOnlyList<Entry>> ReadAllAsync(IDatabase redis, string stream)
    {
        var entries = await redis.StreamRangeAsync(stream);
        return [.. entries.Select(e => new Entry(e.Id, (string?)e["data"] ?? ""))];
    }

    public static async Task<IReadOnlyList<Entry>> ForRequestAsync(IDatabase redis, string stream, string requestId) =>
        [.. (await ReadAllAsync(redis, stream)).Where(e => e.RequestId == requestId)];
}
