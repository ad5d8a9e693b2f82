using System.Buffers;
using System.Text.Json;
using RedisStreamDemo.Contracts;

namespace PlumbingFloor;

/// <summary>The CloudEvent 1.0 envelope a Dapr sidecar puts around a published message, data kept as raw JSON.</summary>
internal static class Envelope
{
    public static byte[] Wrap(string source, string topic, ReadOnlySpan<byte> data)
    {
        var buffer = new ArrayBufferWriter<byte>(data.Length + 256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WritePropertyName("data");
            json.WriteRawValue(data, skipInputValidation: true);
            json.WriteString("datacontenttype", "application/json");
            json.WriteString("id", Guid.NewGuid());
            json.WriteString("pubsubname", DaprNames.PubSub);
            json.WriteString("source", source);
            json.WriteString("specversion", "1.0");
            json.WriteString("time", DateTimeOffset.UtcNow);
            json.WriteString("topic", topic);
            json.WriteString("type", "com.dapr.event.sent");
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The envelope's data, as the raw JSON it was published with.</summary>
    public static async Task<JsonDocument> ReadAsync(HttpRequest request, CancellationToken cancellationToken) =>
        await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
}
