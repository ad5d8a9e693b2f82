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

    /// <summary>
    /// Wraps data that is not a CloudEvent (dapr/dapr v1.18.3 pkg/runtime/pubsub/cloudevents.go NewCloudEvent,
    /// components-contrib pubsub/envelope.go NewCloudEventsEnvelope). <paramref name="traceParent"/> becomes
    /// traceid and traceparent. Publish metadata <c>cloudevent.id</c>, <c>.source</c>, <c>.type</c>,
    /// <c>.subject</c>, <c>.traceid</c>, <c>.tracestate</c> and <c>.traceparent</c> override those fields
    /// (mapstructure.WeakDecode: the exact key, else any casing of it); an empty id, source or type falls back
    /// to the default (a new UUID, <c>Dapr</c>, <c>com.dapr.event.sent</c>), a subject appears only when not
    /// empty, and a traceparent override replaces both traceid and traceparent.
    /// </summary>
    public static byte[] Wrap(ReadOnlySpan<byte> data, string? dataContentType, string source, string topic, string pubsubName, string traceParent, string traceState, DateTimeOffset now, IReadOnlyDictionary<string, string>? metadata)
    {
        var id = Override(metadata, "cloudevent.id") ?? "";
        source = Override(metadata, "cloudevent.source") ?? source;
        var type = Override(metadata, "cloudevent.type") ?? "";
        var subject = Override(metadata, "cloudevent.subject") ?? "";
        var traceId = Override(metadata, "cloudevent.traceid") ?? traceParent;
        traceState = Override(metadata, "cloudevent.tracestate") ?? traceState;
        if (Override(metadata, "cloudevent.traceparent") is { Length: > 0 } traceParentOverride)
        {
            traceId = traceParentOverride;
        }

        var contentType = string.IsNullOrEmpty(dataContentType) ? "text/plain" : dataContentType;
        var ce = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["id"] = id.Length == 0 ? Guid.NewGuid().ToString() : id,
            ["specversion"] = "1.0",
            ["datacontenttype"] = contentType,
            ["source"] = string.IsNullOrEmpty(source) ? "Dapr" : source,
            ["type"] = type.Length == 0 ? DefaultType : type,
            ["topic"] = topic,
            ["pubsubname"] = pubsubName,
            ["traceid"] = traceId,
            ["traceparent"] = traceId,
            ["tracestate"] = traceState,
            ["time"] = FormatTime(now),
        };
        if (subject.Length > 0)
        {
            ce["subject"] = subject;
        }

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

    private static string? Override(IReadOnlyDictionary<string, string>? metadata, string key)
    {
        if (metadata is null)
        {
            return null;
        }
        if (metadata.TryGetValue(key, out var exact))
        {
            return exact;
        }
        return metadata.FirstOrDefault(kv => kv.Key.Equals(key, StringComparison.OrdinalIgnoreCase)).Value;
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
