namespace TestSidecar.State;

/// <summary>
/// How daprd turns an API key into the store key (dapr/dapr pkg/components/state/state_config.go):
/// component metadata <c>keyPrefix</c> (name matched case-insensitively, value lower-cased):
/// <c>appid</c> (default) = "&lt;app-id&gt;||key", <c>name</c> = "&lt;store&gt;||key",
/// <c>namespace</c> = "&lt;NAMESPACE&gt;.&lt;app-id&gt;||key" (app-id form without NAMESPACE),
/// <c>none</c> = the key as is, anything else = "&lt;value&gt;||key".
/// </summary>
internal sealed class StateKeys
{
    public const string Separator = "||";

    private readonly string _strategy;
    private readonly string _storeName;
    private readonly string _appId;
    private readonly string _namespace;

    private StateKeys(string strategy, string storeName, string appId, string @namespace)
    {
        _strategy = strategy;
        _storeName = storeName;
        _appId = appId;
        _namespace = @namespace;
    }

    public static StateKeys For(string storeName, IReadOnlyDictionary<string, string> metadata, string appId, string @namespace)
    {
        var strategy = metadata.FirstOrDefault(kv => kv.Key.Equals("keyPrefix", StringComparison.OrdinalIgnoreCase)).Value?.ToLowerInvariant() ?? "appid";
        CheckLegal(strategy);
        return new StateKeys(strategy, storeName, appId, @namespace);
    }

    public string Modify(string key)
    {
        CheckLegal(key);
        return _strategy switch
        {
            "none" => key,
            "name" => _storeName + Separator + key,
            "appid" => _appId.Length == 0 ? key : _appId + Separator + key,
            "namespace" => _appId.Length == 0 ? key
                : _namespace.Length == 0 ? _appId + Separator + key
                : _namespace + "." + _appId + Separator + key,
            _ => _strategy + Separator + key,
        };
    }

    private static void CheckLegal(string key)
    {
        if (key.Contains(Separator, StringComparison.Ordinal))
        {
            throw new IllegalStateKeyException(key);
        }
    }
}
