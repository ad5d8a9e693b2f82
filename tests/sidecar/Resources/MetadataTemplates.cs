namespace TestSidecar.Resources;

/// <summary>
/// The templates daprd expands in every component metadata value: {uuid} (a new one per
/// occurrence), {podName} (an error when POD_NAME is not set), {namespace} (namespace + "." +
/// app-id) and {appID}.
/// </summary>
internal static class MetadataTemplates
{
    public static string Apply(string value, string appId, string podName, string ns)
    {
        while (value.Contains("{uuid}", StringComparison.Ordinal))
        {
            var at = value.IndexOf("{uuid}", StringComparison.Ordinal);
            value = string.Concat(value.AsSpan(0, at), Guid.NewGuid().ToString(), value.AsSpan(at + "{uuid}".Length));
        }
        if (value.Contains("{podName}", StringComparison.Ordinal))
        {
            if (string.IsNullOrEmpty(podName))
            {
                throw new InvalidOperationException($"failed to parse metadata: value '{value}' refers to {{podName}} but podName is not set (POD_NAME)");
            }
            value = value.Replace("{podName}", podName, StringComparison.Ordinal);
        }
        return value
            .Replace("{namespace}", ns + "." + appId, StringComparison.Ordinal)
            .Replace("{appID}", appId, StringComparison.Ordinal);
    }
}
