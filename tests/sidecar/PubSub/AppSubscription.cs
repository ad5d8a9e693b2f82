using System.Text.Json;

namespace TestSidecar.PubSub;

internal sealed record SubscriptionRule(string Match, string Path);

/// <summary>One entry of the app's GET /dapr/subscribe answer (programmatic subscription).</summary>
internal sealed record AppSubscription(string PubsubName, string Topic, IReadOnlyList<SubscriptionRule> Rules, string? DeadLetterTopic, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>The path for an event: the first rule whose match is empty (CEL matching is not supported).</summary>
    public string? DefaultPath => Rules.FirstOrDefault(r => r.Match.Length == 0)?.Path;

    public static IReadOnlyList<AppSubscription> ParseList(byte[] json)
    {
        using var doc = JsonDocument.Parse(json);
        var result = new List<AppSubscription>();
        if (doc.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("/dapr/subscribe did not answer a JSON array");
        }
        foreach (var item in doc.RootElement.EnumerateArray())
        {
            string? Str(JsonElement e, string name) =>
                e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

            var pubsub = Str(item, "pubsubname") ?? Str(item, "pubsubName") ?? throw new FormatException("subscription without pubsubname");
            var topic = Str(item, "topic") ?? throw new FormatException("subscription without topic");
            var rules = new List<SubscriptionRule>();
            if (item.TryGetProperty("routes", out var routes) && routes.ValueKind == JsonValueKind.Object)
            {
                if (routes.TryGetProperty("rules", out var ruleList) && ruleList.ValueKind == JsonValueKind.Array)
                {
                    rules.AddRange(ruleList.EnumerateArray().Select(r => new SubscriptionRule(Str(r, "match") ?? "", Str(r, "path") ?? "")));
                }
                if (Str(routes, "default") is { Length: > 0 } fallback)
                {
                    rules.Add(new SubscriptionRule("", fallback));
                }
            }
            if (Str(item, "route") is { Length: > 0 } route)
            {
                rules.Add(new SubscriptionRule("", route));
            }
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            if (item.TryGetProperty("metadata", out var md) && md.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in md.EnumerateObject())
                {
                    metadata[p.Name] = p.Value.ToString();
                }
            }
            var deadLetter = Str(item, "deadLetterTopic");
            result.Add(new AppSubscription(pubsub, topic, rules, string.IsNullOrEmpty(deadLetter) ? null : deadLetter, metadata));
        }
        return result;
    }
}
