using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace TestSidecar.Resources;

/// <summary>
/// A retry policy as Dapr decodes it (dapr/kit retry.Config over its defaults): constant
/// (duration, default 5s) or exponential (initialInterval 500ms, multiplier 1.5, randomization
/// 0.5, maxInterval 60s, maxElapsedTime 15m), maxRetries -1 = until maxElapsedTime / forever.
/// </summary>
internal sealed record RetryPolicy(
    string Name,
    bool Exponential,
    TimeSpan Duration,
    TimeSpan InitialInterval,
    TimeSpan MaxInterval,
    TimeSpan MaxElapsedTime,
    int MaxRetries)
{
    private const double Multiplier = 1.5;
    private const double Randomization = 0.5;

    /// <summary>The wait before retry number <paramref name="retry"/> (1-based), or null when the policy gives up.</summary>
    public TimeSpan? NextDelay(int retry, TimeSpan elapsed)
    {
        if (MaxRetries >= 0 && retry > MaxRetries)
        {
            return null;
        }
        if (!Exponential)
        {
            return Duration;
        }
        // cenkalti/backoff: the interval grows by Multiplier per attempt up to MaxInterval; each wait
        // is randomized by +-50%; it stops once MaxElapsedTime has passed.
        if (MaxElapsedTime > TimeSpan.Zero && elapsed > MaxElapsedTime)
        {
            return null;
        }
        var interval = InitialInterval.TotalMilliseconds * Math.Pow(Multiplier, retry - 1);
        interval = Math.Min(interval, MaxInterval.TotalMilliseconds);
        var delta = Randomization * interval;
        var randomized = interval - delta + (Random.Shared.NextDouble() * ((2 * delta) + 1));
        return TimeSpan.FromMilliseconds(randomized);
    }

    public static RetryPolicy Parse(string name, YamlNode node)
    {
        string? Get(string key) => DaprResources.Scalar(node, key);
        var policy = Get("policy") ?? "constant";
        if (policy is not ("constant" or "exponential"))
        {
            throw new InvalidOperationException($"invalid retry configuration \"{name}\": unknown policy {policy}");
        }
        if (DaprResources.Child(node, "matching") is not null)
        {
            throw new NotSupportedException($"retry policy {name}: 'matching' is not supported by the test sidecar");
        }
        return new RetryPolicy(
            name,
            policy == "exponential",
            Get("duration") is { } d ? GoDuration.Parse(d) : TimeSpan.FromSeconds(5),
            Get("initialInterval") is { } i ? GoDuration.Parse(i) : TimeSpan.FromMilliseconds(500),
            Get("maxInterval") is { } m ? GoDuration.Parse(m) : TimeSpan.FromSeconds(60),
            Get("maxElapsedTime") is { } e ? GoDuration.Parse(e) : TimeSpan.FromMinutes(15),
            Get("maxRetries") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : -1);
    }
}

internal sealed record ComponentPolicy(RetryPolicy? Retry, TimeSpan? Timeout);

/// <summary>
/// The parts of Dapr's Resiliency resources the sidecar applies: retries and timeouts on
/// <c>targets.components.&lt;name&gt;.{inbound,outbound}</c>. Circuit breakers and app/actor
/// targets are read but not enforced (see README).
/// </summary>
internal sealed class Resiliency(IReadOnlyList<string> names, Dictionary<string, ComponentPolicy> inbound, Dictionary<string, ComponentPolicy> outbound)
{
    private readonly Dictionary<string, ComponentPolicy> _inbound = inbound;
    private readonly Dictionary<string, ComponentPolicy> _outbound = outbound;

    public IReadOnlyList<string> Names { get; } = names;

    public ComponentPolicy? Inbound(string component) => _inbound.GetValueOrDefault(component);

    public ComponentPolicy? Outbound(string component) => _outbound.GetValueOrDefault(component);

    public static Resiliency From(IEnumerable<YamlMappingNode> resources)
    {
        var names = new List<string>();
        var inbound = new Dictionary<string, ComponentPolicy>(StringComparer.Ordinal);
        var outbound = new Dictionary<string, ComponentPolicy>(StringComparer.Ordinal);
        foreach (var doc in resources)
        {
            names.Add(DaprResources.Scalar(DaprResources.Child(doc, "metadata"), "name") ?? "");
            var spec = DaprResources.Child(doc, "spec");
            var policies = DaprResources.Child(spec, "policies");
            var retries = new Dictionary<string, RetryPolicy>(StringComparer.Ordinal);
            if (DaprResources.Child(policies, "retries") is YamlMappingNode retryMap)
            {
                foreach (var (key, value) in retryMap.Children)
                {
                    var name = ((YamlScalarNode)key).Value ?? "";
                    retries[name] = RetryPolicy.Parse(name, value);
                }
            }
            var timeouts = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
            if (DaprResources.Child(policies, "timeouts") is YamlMappingNode timeoutMap)
            {
                foreach (var (key, value) in timeoutMap.Children)
                {
                    timeouts[((YamlScalarNode)key).Value ?? ""] = GoDuration.Parse(((YamlScalarNode)value).Value ?? "");
                }
            }
            if (DaprResources.Child(DaprResources.Child(spec, "targets"), "components") is YamlMappingNode components)
            {
                foreach (var (key, value) in components.Children)
                {
                    var component = ((YamlScalarNode)key).Value ?? "";
                    if (Resolve(DaprResources.Child(value, "inbound"), retries, timeouts) is { } inboundPolicy)
                    {
                        inbound[component] = inboundPolicy;
                    }
                    if (Resolve(DaprResources.Child(value, "outbound"), retries, timeouts) is { } outboundPolicy)
                    {
                        outbound[component] = outboundPolicy;
                    }
                }
            }
        }
        return new Resiliency(names, inbound, outbound);
    }

    private static ComponentPolicy? Resolve(YamlNode? target, Dictionary<string, RetryPolicy> retries, Dictionary<string, TimeSpan> timeouts)
    {
        if (target is null)
        {
            return null;
        }
        RetryPolicy? retry = null;
        TimeSpan? timeout = null;
        if (DaprResources.Scalar(target, "retry") is { } retryName)
        {
            retry = retries.TryGetValue(retryName, out var r) ? r : throw new InvalidOperationException($"resiliency: retry policy '{retryName}' is not defined");
        }
        if (DaprResources.Scalar(target, "timeout") is { } timeoutName)
        {
            // A target timeout is either a named policy or an inline duration.
            timeout = timeouts.TryGetValue(timeoutName, out var t) ? t : GoDuration.Parse(timeoutName);
        }
        return new ComponentPolicy(retry, timeout);
    }
}
