using System.Text.Json;

namespace TestSidecar.PubSub;

internal sealed record SubscriptionRule(string Match, string Path);

/// <summary>One entry of the app's GET /dapr/subscribe answer (programmatic subscription).</summary>
internal sealed record AppSubscription(string PubsubName, string Topic, IReadOnlyList<SubscriptionRule> Rules, string? DeadLetterTopic, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>The path for an event: the first rule whose match is empty (CEL matching is not supported).</summary>
    public string? DefaultPath => Rules.FirstOrDefault(r => r.Match.Length == 0)?.Path;

    /// <summary>
    /// The answer decoded as daprd decodes it into <c>[]SubscriptionJSON</c> (dapr/dapr v1.18.3
    /// pkg/runtime/pubsub/subscriptions.go GetSubscriptionsHTTP, Go's json.Decoder): only the first JSON
    /// value is read (nothing at all is no subscription); null is an empty list, an entry that is null is
    /// a subscription without routes; field names match ignoring case, unknown fields are ignored; a
    /// value of the wrong JSON type fails the whole list (JsonException or FormatException). Rules are
    /// <c>routes.rules</c>, then <c>routes.default</c>, else <c>route</c>.
    /// </summary>
    public static IReadOnlyList<AppSubscription> ParseList(byte[] json)
    {
        // json.Decoder answers io.EOF for a body of nothing but whitespace, which daprd ignores.
        if (json.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            return [];
        }
        var reader = new Utf8JsonReader(json);
        reader.Read();
        var root = JsonElement.ParseValue(ref reader);
        if (root.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        if (root.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"json: cannot unmarshal {GoKind(root)} into Go value of type []pubsub.SubscriptionJSON");
        }
        return [.. root.EnumerateArray().Select(ParseOne)];
    }

    private static AppSubscription ParseOne(JsonElement item)
    {
        var fields = Fields(item, "pubsub.SubscriptionJSON");
        var rules = new List<SubscriptionRule>();
        var routes = Fields(fields.GetValueOrDefault("routes"), "pubsub.RoutesJSON");
        if (routes.GetValueOrDefault("rules") is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } ruleList)
        {
            if (ruleList.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"json: cannot unmarshal {GoKind(ruleList)} into Go struct field RoutesJSON.routes.rules of type []*pubsub.RuleJSON");
            }
            foreach (var rule in ruleList.EnumerateArray())
            {
                var ruleFields = Fields(rule, "pubsub.RuleJSON");
                rules.Add(new SubscriptionRule(String(ruleFields, "match"), String(ruleFields, "path")));
            }
        }
        var fallback = String(routes, "default");
        var route = String(fields, "route");
        if (fallback.Length > 0)
        {
            rules.Add(new SubscriptionRule("", fallback));
        }
        else if (route.Length > 0)
        {
            rules.Add(new SubscriptionRule("", route));
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (fields.GetValueOrDefault("metadata") is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } md)
        {
            if (md.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"json: cannot unmarshal {GoKind(md)} into Go struct field SubscriptionJSON.metadata of type map[string]string");
            }
            foreach (var p in md.EnumerateObject())
            {
                metadata[p.Name] = p.Value.ValueKind switch
                {
                    JsonValueKind.String => p.Value.GetString()!,
                    JsonValueKind.Null => "",
                    _ => throw new FormatException($"json: cannot unmarshal {GoKind(p.Value)} into Go struct field SubscriptionJSON.metadata of type string"),
                };
            }
        }
        var deadLetter = String(fields, "deadLetterTopic");
        return new AppSubscription(String(fields, "pubsubname"), String(fields, "topic"), rules, deadLetter.Length == 0 ? null : deadLetter, metadata);
    }

    // A JSON object's members by Go field name (case-insensitive match, the last one wins); null is the zero value.
    private static Dictionary<string, JsonElement> Fields(JsonElement element, string goType)
    {
        var fields = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
        if (element.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return fields;
        }
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"json: cannot unmarshal {GoKind(element)} into Go value of type {goType}");
        }
        foreach (var p in element.EnumerateObject())
        {
            fields[p.Name] = p.Value;
        }
        return fields;
    }

    private static string String(Dictionary<string, JsonElement> fields, string name) =>
        fields.TryGetValue(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Null => "",
            _ => throw new FormatException($"json: cannot unmarshal {GoKind(value)} into Go struct field .{name} of type string"),
        } : "";

    private static string GoKind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "bool",
        _ => "null",
    };
}
