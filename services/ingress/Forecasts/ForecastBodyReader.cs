using System.Buffers;
using System.Text.Json;

namespace RedisStreamDemo.Ingress.Forecasts;

/// <summary>
/// Reads and validates the POST body by hand instead of through minimal-API binding, so every bad
/// body (wrong media type, too large, malformed, too deep, unknown fields, wrong types) gets a
/// problem+json answer rather than an empty 400 or an exception.
/// </summary>
internal static class ForecastBodyReader
{
    // Not JsonSerializerOptions.Strict (.NET 10): it throws at the first unknown, duplicate or null field, so one 400 could not name every bad field, and it matches names case-sensitively.
    public const int MaxBodyBytes = 16 * 1024;
    public const int MaxDepth = 8;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };

    public static async Task<ForecastBody> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return Fail(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "Send the request as application/json.");
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            return TooLarge();
        }

        ReadOnlyMemory<byte>? body;
        try
        {
            body = await ReadLimitedAsync(request.Body, cancellationToken);
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's own limits and broken chunked encoding.
            return Fail(ex.StatusCode, "Unreadable request body", ex.Message);
        }

        if (body is not { } json)
        {
            return TooLarge();
        }

        // System.Text.Json lets invalid UTF-8 through in property names and throws only when one is
        // read, so check the whole body first.
        if (!System.Text.Unicode.Utf8.IsValid(json.Span))
        {
            return Fail(StatusCodes.Status400BadRequest, "Malformed JSON", "The body is not valid UTF-8.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            return Fail(StatusCodes.Status400BadRequest, "Malformed JSON",
                $"The body is not valid JSON (or nests deeper than {MaxDepth} levels): {ex.Message}");
        }

        using (document)
        {
            return Bind(document.RootElement);
        }
    }

    private static ForecastBody Bind(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Fail(StatusCodes.Status400BadRequest, "Invalid body",
                "The body must be a JSON object such as {\"city\": \"Oslo\"}.");
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        string? city = null;
        string? location = null;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        foreach (var property in root.EnumerateObject())
        {
            if (!TryGetName(property, out var name))
            {
                return Fail(StatusCodes.Status400BadRequest, "Malformed JSON",
                    "A property name holds an escape that is not valid text (for example a lone surrogate).");
            }

            if (!seen.Add(name))
            {
                errors[name] = ["The field appears more than once."];
            }
            else if (name.Equals("city", StringComparison.OrdinalIgnoreCase))
            {
                city = ReadString(property.Value, "city", errors);
            }
            else if (name.Equals("location", StringComparison.OrdinalIgnoreCase))
            {
                location = ReadString(property.Value, "location", errors);
            }
            else
            {
                // Unknown fields are rejected, so a typo ("loaction") is not silently ignored.
                errors[name] = ["Unknown field; expected only city and location."];
            }
        }

        if (!errors.ContainsKey("city"))
        {
            (city, var error) = CityForecastRules.CheckCity(city);
            AddError(errors, "city", error);
        }

        if (!errors.ContainsKey("location"))
        {
            (location, var error) = CityForecastRules.CheckLocation(location);
            AddError(errors, "location", error);
        }

        return errors.Count > 0 || city is null
            ? new ForecastBody(null, TypedResults.ValidationProblem(errors, title: "The request is invalid."), null)
            : new ForecastBody(new CityForecastRequest(city, location), null, null);
    }

    private static bool TryGetName(JsonProperty property, out string name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json parses "\udc00" in a name and throws only when the name is read.
            name = "";
            return false;
        }
    }

    private static string? ReadString(JsonElement value, string field, Dictionary<string, string[]> errors)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.String:
                try
                {
                    return value.GetString();
                }
                catch (InvalidOperationException)
                {
                    errors[field] = [$"The {field} contains invalid text."];
                    return null;
                }

            default:
                errors[field] = [$"The {field} must be a string."];
                return null;
        }
    }

    private static void AddError(Dictionary<string, string[]> errors, string field, string? error)
    {
        if (error is not null)
        {
            errors[field] = [error];
        }
    }

    // Null when the body is larger than MaxBodyBytes (chunked bodies carry no Content-Length).
    private static async Task<ReadOnlyMemory<byte>?> ReadLimitedAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxBodyBytes + 1);
        try
        {
            var length = 0;
            int read;
            while ((read = await body.ReadAsync(buffer.AsMemory(length, MaxBodyBytes + 1 - length), cancellationToken)) > 0)
            {
                length += read;
                if (length > MaxBodyBytes)
                {
                    return null;
                }
            }

            return buffer.AsSpan(0, length).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ForecastBody TooLarge() => Fail(StatusCodes.Status413PayloadTooLarge, "Request body too large",
        $"The body must be at most {MaxBodyBytes} bytes.");

    private static ForecastBody Fail(int status, string title, string detail) =>
        new(null, null, TypedResults.Problem(title: title, detail: detail, statusCode: status));
}
