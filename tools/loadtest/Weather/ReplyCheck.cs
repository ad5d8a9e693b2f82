using System.Text.Json;

namespace LoadTest.Weather;

/// <summary>
/// A reply belongs to its request when it carries a requestId and the city that was sent.
/// Property names match case-insensitively; values must match exactly.
/// </summary>
internal static class ReplyCheck
{
    /// <returns>Null when the reply matches, else why it does not.</returns>
    public static string? Mismatch(string body, string sentCity)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return $"reply is not JSON: {Truncate(body)}";
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return $"reply is not a JSON object: {Truncate(body)}";
            }
            var requestId = Property(document.RootElement, "requestId");
            if (requestId is not { ValueKind: JsonValueKind.String } id || string.IsNullOrWhiteSpace(id.GetString()))
            {
                return "reply has no requestId";
            }
            var city = Property(document.RootElement, "city");
            var replyCity = city is { ValueKind: JsonValueKind.String } c ? c.GetString() : null;
            return string.Equals(replyCity, sentCity, StringComparison.Ordinal)
                ? null
                : $"reply city '{replyCity}' differs from the city sent, '{sentCity}'";
        }
    }

    private static JsonElement? Property(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }
        return null;
    }

    public static string Truncate(string text, int length = 200) =>
        text.Length <= length ? text : string.Concat(text.AsSpan(0, length), "…");
}
