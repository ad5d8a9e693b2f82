using System.Text.Json;
using RedisStreamDemo.Contracts;

namespace Benchmarks.Cases;

/// <summary>
/// The bytes the real system puts on the streams: the contracts' request and reply as camelCase
/// JSON inside a Dapr CloudEvent 1.0 envelope (stored as the entry's <c>data</c> field).
/// </summary>
internal static class Payloads
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly Forecast[] Forecasts =
    [
        .. Enumerable.Range(1, 5).Select(day =>
            new Forecast(DateOnly.FromDateTime(Now.AddDays(day).Date), 10 + day, 50 + (2 * day), "Mild")),
    ];

    public static string Request(string requestId, string city) =>
        Envelope(DaprNames.AppIds.Ingress, DaprNames.Topics.WeatherRequests, new WeatherRequest(requestId, city, "load test", Now));

    public static string Reply(string requestId, string city) =>
        Envelope(DaprNames.AppIds.Proxy, DaprNames.Topics.WeatherResponses, new WeatherReply(requestId, city, "load test", Forecasts, "terminal-1", Now));

    /// <summary>The requestId and city of a request or reply envelope.</summary>
    public static (string RequestId, string City) Read(ReadOnlySpan<byte> envelope)
    {
        var reader = new Utf8JsonReader(envelope);
        using var document = JsonDocument.ParseValue(ref reader);
        var data = document.RootElement.GetProperty("data");
        return (data.GetProperty("requestId").GetString() ?? "", data.GetProperty("city").GetString() ?? "");
    }

    private static string Envelope<T>(string source, string topic, T data)
    {
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var traceparent = $"00-{traceId}-{traceId[..16]}-01";
        return JsonSerializer.Serialize(new
        {
            data,
            datacontenttype = "application/json",
            id = Guid.NewGuid().ToString(),
            pubsubname = DaprNames.PubSub,
            source,
            specversion = "1.0",
            time = Now,
            topic,
            traceid = traceparent,
            traceparent,
            tracestate = "",
            type = "com.dapr.event.sent",
        }, Web);
    }
}
