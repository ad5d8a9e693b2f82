using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TestSidecar.State;

/// <summary>
/// How a value reaches the component when daprd decodes it first (HTTP API values, and gRPC values
/// with metadata contentType application/json): Go decodes the JSON into an interface{} and the
/// component marshals it again with json-iterator (compact, no HTML escaping). A JSON string is
/// therefore stored quoted.
/// </summary>
internal static class StateValues
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Reencode(JsonNode? value) =>
        value is null ? "null"u8.ToArray() : JsonSerializer.SerializeToUtf8Bytes(value, Compact);

    /// <summary>Throws JsonException when the bytes are not one JSON value.</summary>
    public static byte[] Reencode(ReadOnlySpan<byte> json) => Reencode(JsonNode.Parse(json));
}
