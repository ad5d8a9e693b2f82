namespace RedisStreamDemo.Ingress.Correlation;

/// <summary>
/// Keys that moved to the Correlation section when both modes came to share them. The old key is
/// still read: of the two names, the one from the configuration source with the higher priority
/// wins, so an environment variable with the old name still overrides appsettings.json's new one.
/// </summary>
internal static class RenamedSettings
{
    public static readonly IReadOnlyList<(string OldKey, string Property)> Keys =
    [
        ("Forecasts:MaxInFlight", nameof(CorrelationOptions.MaxInFlight)),
        ("Forecasts:SidecarTimeout", nameof(CorrelationOptions.SidecarTimeout)),
        ("Workflows:ReplyDeadline", nameof(CorrelationOptions.ReplyDeadline)),
        ("Workflows:Retention", nameof(CorrelationOptions.Retention)),
        ("Workflows:MaxTracked", nameof(CorrelationOptions.MaxTracked)),
    ];

    public static void Apply(CorrelationOptions options, IConfiguration configuration)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return;
        }

        var fromOldKeys = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (oldKey, property) in Keys)
        {
            var newKey = $"{CorrelationOptions.SectionName}:{property}";
            foreach (var provider in root.Providers.Reverse())
            {
                if (provider.TryGet(newKey, out _))
                {
                    break;
                }

                if (provider.TryGet(oldKey, out var value))
                {
                    fromOldKeys[property] = value;
                    break;
                }
            }
        }

        if (fromOldKeys.Count > 0)
        {
            new ConfigurationBuilder().AddInMemoryCollection(fromOldKeys).Build().Bind(options);
        }
    }
}
