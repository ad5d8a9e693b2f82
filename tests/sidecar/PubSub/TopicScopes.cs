namespace TestSidecar.PubSub;

/// <summary>
/// A pubsub component's topic limits for this app, as daprd reads them once at init (dapr/dapr v1.18.3
/// pkg/scopes/scopes.go, called from pkg/runtime/processor/pubsub/pubsub.go Init) and checks them on
/// every publish, dead-letter publishes included, and every subscription
/// (pkg/runtime/pubsub/adapter.go IsOperationAllowed).
/// </summary>
internal sealed record TopicScopes(IReadOnlyList<string> Publishing, IReadOnlyList<string> Subscription, IReadOnlyList<string> Allowed, IReadOnlyList<string> Protected)
{
    public static readonly TopicScopes None = new([], [], [], []);

    /// <summary>
    /// <c>publishingScopes</c>/<c>subscriptionScopes</c> as <c>app=t1,t2;app2=t3</c> (this app's entries only,
    /// every entry for it counted), <c>allowedTopics</c>/<c>protectedTopics</c> as <c>t1,t2</c>. Keys match
    /// ignoring case; spaces are removed; an entry without <c>=</c> is skipped; duplicates are dropped.
    /// </summary>
    public static TopicScopes Parse(IReadOnlyDictionary<string, string> metadata, string appId) => new(
        ScopedTopics("publishingScopes", appId, metadata),
        ScopedTopics("subscriptionScopes", appId, metadata),
        ParamTopics("allowedTopics", metadata),
        ParamTopics("protectedTopics", metadata));

    public bool PublishAllowed(string topic) => IsOperationAllowed(topic, Publishing);

    public bool SubscribeAllowed(string topic) => IsOperationAllowed(topic, Subscription);

    // allowedTopics, when set, must list the topic; then a protected topic, or any topic once this app
    // has a scope list, must be in the app's scope list. An app with no entry may use any unprotected topic.
    private bool IsOperationAllowed(string topic, IReadOnlyList<string> scoped)
    {
        if (Allowed.Count > 0 && !Allowed.Contains(topic, StringComparer.Ordinal))
        {
            return false;
        }
        var isProtected = Protected.Contains(topic, StringComparer.Ordinal);
        return (!isProtected && scoped.Count == 0) || scoped.Contains(topic, StringComparer.Ordinal);
    }

    private static string? Find(string param, IReadOnlyDictionary<string, string> metadata) =>
        metadata.FirstOrDefault(kv => kv.Key.Equals(param, StringComparison.OrdinalIgnoreCase)).Value is { Length: > 0 } value
            ? value.Replace(" ", "", StringComparison.Ordinal)
            : null;

    private static List<string> ScopedTopics(string param, string appId, IReadOnlyDictionary<string, string> metadata)
    {
        var topics = new List<string>();
        foreach (var entry in Find(param, metadata)?.Split(';') ?? [])
        {
            // Go's strings.Split on "=": the app is the first part, the topics the second (a third is ignored).
            var parts = entry.Split('=');
            if (parts.Length < 2 || !string.Equals(parts[0], appId, StringComparison.Ordinal))
            {
                continue;
            }
            topics.AddRange(parts[1].Split(',').Where(t => !topics.Contains(t, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal));
        }
        return topics;
    }

    private static List<string> ParamTopics(string param, IReadOnlyDictionary<string, string> metadata) =>
        [.. (Find(param, metadata)?.Split(',') ?? []).Distinct(StringComparer.Ordinal)];
}
