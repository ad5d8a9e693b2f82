using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TestSidecar.PubSub;

/// <summary>
/// The CloudEvent 1.0 envelope daprd builds around published data (components-contrib
/// pubsub.NewCloudEventsEnvelope / FromCloudEvent), serialised with keys in Go's map order.
/// </summary>
internal static class CloudEvents
{
    public const string ContentType = "application/cloudevents+json";
    public const string DefaultType = "com.dapr.event.sent";
    public const string RawPayloadKey = "rawPayload";

    private static readonly JsonSerializerOptions GoLike = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static bool IsCloudEventContentType(string? contentType) =>
        string.Equals(BaseType(contentType), ContentType, StringComparison.OrdinalIgnoreCase);

    public static bool IsJsonContentType(string? contentType)
    {
        var type = BaseType(contentType);
        return type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Wraps data that is not a CloudEvent. <paramref name="traceParent"/> becomes traceid and traceparent.</summary>
    public static byte[] Wrap(ReadOnlySpan<byte> data, string? dataContentType, string source, string topic, string pubsubName, string traceParent, string traceState, DateTimeOffset now)
    {
        var contentType = string.IsNullOrEmpty(dataContentType) ? "text/plain" : dataContentType;
        var ce = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["specversion"] = "1.0",
            ["datacontenttype"] = contentType,
            ["source"] = string.IsNullOrEmpty(source) ? "Dapr" : source,
            ["type"] = DefaultType,
            ["topic"] = topic,
            ["pubsubname"] = pubsubName,
            ["traceid"] = traceParent,
            ["traceparent"] = traceParent,
            ["tracestate"] = traceState,
            ["time"] = FormatTime(now),
        };

        if (IsJsonContentType(contentType) && TryParseJson(data, out var json))
        {
            ce["data"] = json;
        }
        else if (BaseType(contentType).Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            ce["data_base64"] = Convert.ToBase64String(data);
        }
        else
        {
            ce["data"] = System.Text.Encoding.UTF8.GetString(data);
        }
        return Serialize(ce);
    }

    /// <summary>
    /// components-contrib metadata.IsRawPayload: the <c>rawPayload</c> key (exact case), parsed as Go's
    /// strconv.ParseBool; an empty value is absent. Throws FormatException with contrib's message.
    /// </summary>
    public static bool IsRawPayload(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null || !metadata.TryGetValue(RawPayloadKey, out var value) || value.Length == 0)
        {
            return false;
        }
        return value switch
        {
            "1" or "t" or "T" or "TRUE" or "true" or "True" => true,
            "0" or "f" or "F" or "FALSE" or "false" or "False" => false,
            _ => throw new FormatException($"{RawPayloadKey} value must be a valid boolean: actual is '{value}'"),
        };
    }

    /// <summary>
    /// What daprd delivers for a rawPayload subscription (components-contrib FromRawPayload): the stored
    /// bytes base64-encoded in a new envelope with a random id, plus the trace fields of the entry's
    /// metadata (traceparent supersedes traceid).
    /// </summary>
    public static (JsonObject Event, byte[] Body) FromRawPayload(ReadOnlySpan<byte> data, string topic, string pubsubName, IReadOnlyDictionary<string, string> metadata)
    {
        var ce = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["specversion"] = "1.0",
            ["datacontenttype"] = "application/octet-stream",
            ["source"] = "Dapr",
            ["type"] = DefaultType,
            ["topic"] = topic,
            ["pubsubname"] = pubsubName,
            ["data_base64"] = Convert.ToBase64String(data),
        };
        if (metadata.TryGetValue("traceid", out var traceId))
        {
            ce["traceid"] = traceId;
        }
        if (metadata.TryGetValue("traceparent", out var traceParent))
        {
            ce["traceparent"] = traceParent;
            ce["traceid"] = traceParent;
        }
        if (metadata.TryGetValue("tracestate", out var traceState))
        {
            ce["tracestate"] = traceState;
        }
        var body = Serialize(ce);
        return ((JsonObject)JsonNode.Parse(body)!, body);
    }

    /// <summary>Completes an event the app already shaped as a CloudEvent, as daprd does.</summary>
    public static byte[] Complete(ReadOnlySpan<byte> cloudEvent, string topic, string pubsubName, string traceParent, string traceState, DateTimeOffset now)
    {
        if (!TryParseJson(cloudEvent, out var node) || node is not JsonObject obj)
        {
            throw new FormatException("the data is not a JSON CloudEvent");
        }
        var ce = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            ce[key] = value?.DeepClone();
        }
        ce.TryAdd("time", FormatTime(now));
        if (!ce.ContainsKey("traceid"))
        {
            ce["traceid"] = traceParent;
            ce["traceparent"] = traceParent;
        }
        ce.TryAdd("tracestate", traceState);
        ce["topic"] = topic;
        ce["pubsubname"] = pubsubName;
        if (ce.GetValueOrDefault("source") is null)
        {
            ce["source"] = "Dapr";
        }
        if (ce.GetValueOrDefault("type") is null)
        {
            ce["type"] = DefaultType;
        }
        if (ce.GetValueOrDefault("specversion") is null)
        {
            ce["specversion"] = "1.0";
        }
        return Serialize(ce);
    }

    public static string FormatTime(DateTimeOffset now) =>
        now.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static byte[] Serialize(SortedDictionary<string, JsonNode?> ce)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in ce)
        {
            obj[key] = value;
        }
        return JsonSerializer.SerializeToUtf8Bytes(obj, GoLike);
    }

    private static bool TryParseJson(ReadOnlySpan<byte> data, out JsonNode? node)
    {
        try
        {
            var reader = new Utf8JsonReader(data);
            node = JsonNode.Parse(ref reader);
            return true;
        }
        catch (JsonException)
        {
            node = null;
            return false;
        }
    }

    private static string BaseType(string? contentType)
    {
        if (contentType is null)
        {
            return "";
        }
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semicolon >= 0 ? contentType[..semicolon] : contentType).Trim();
    }
}
