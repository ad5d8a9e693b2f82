using System.Globalization;
using TestSidecar.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TestSidecar.Resources;

/// <summary>
/// A retry policy as daprd builds it (dapr/dapr pkg/resiliency/resiliency.go decodePolicies):
/// dapr/kit's <c>retry.DefaultConfig()</c> overlaid with the fields of the v1alpha1 <c>Retry</c> type,
/// which has only policy, duration, maxInterval, maxRetries and matching. An exponential retry
/// therefore always starts at cenkalti/backoff's 500ms, grows x1.5 with ±50% jitter and stops
/// after 15m, whatever else the YAML says.
/// </summary>
internal sealed record RetryPolicy(string Name, bool Exponential, TimeSpan Duration, TimeSpan MaxInterval, int MaxRetries)
{
    public static readonly TimeSpan InitialInterval = TimeSpan.FromMilliseconds(500);
    public const double Multiplier = 1.5;
    public const double RandomizationFactor = 0.5;
    public static readonly TimeSpan MaxElapsedTime = TimeSpan.FromMinutes(15);

    // The v1alpha1 Retry type's JSON names. sigs.k8s.io/yaml matches keys to them as encoding/json
    // does (case-insensitively) and drops every other key without a word.
    private static readonly string[] SchemaFields = ["policy", "duration", "maxInterval", "maxRetries", "matching"];

    /// <summary>The wait before retry number <paramref name="retry"/> (1-based), or null when the policy gives up.</summary>
    public TimeSpan? NextDelay(int retry, TimeSpan elapsed) => NextDelay(retry, elapsed, Random.Shared.NextDouble());

    /// <summary>
    /// The same with the random draw given (Go's rand.Float64, in [0, 1)); <paramref name="elapsed"/>
    /// is the time since the first attempt started (the backoff's Reset in doRetryNotify).
    /// </summary>
    public TimeSpan? NextDelay(int retry, TimeSpan elapsed, double random)
    {
        // backoff.WithMaxRetries: Stop once NextBackOff has been called maxRetries times, so maxRetries
        // counts the retries after the first attempt; kit wraps only when maxRetries >= 0.
        if (MaxRetries >= 0 && retry > MaxRetries)
        {
            return null;
        }
        if (!Exponential)
        {
            // ConstantBackOff: the same wait every time, no elapsed-time limit.
            return Duration;
        }

        // ExponentialBackOff keeps a current interval in whole nanoseconds: InitialInterval as it is for
        // the first wait (MaxInterval caps only the growth), then incrementCurrentInterval once per wait.
        var interval = InitialInterval.Ticks * TimeSpan.NanosecondsPerTick;
        var max = MaxInterval.Ticks * TimeSpan.NanosecondsPerTick;
        for (var i = 1; i < retry && interval != max; i++)
        {
            interval = interval >= max / Multiplier ? max : (long)(interval * Multiplier);
        }

        // getRandomValueFromInterval: a value from [interval - delta, interval + delta] (+1ns, as Go's).
        var delta = RandomizationFactor * interval;
        var low = interval - delta;
        var next = (long)(low + (random * ((interval + delta) - low + 1)));

        // NextBackOff answers Stop when this wait would end past MaxElapsedTime.
        if ((elapsed.Ticks * TimeSpan.NanosecondsPerTick) + next > MaxElapsedTime.Ticks * TimeSpan.NanosecondsPerTick)
        {
            return null;
        }
        return TimeSpan.FromTicks(next / TimeSpan.NanosecondsPerTick);
    }

    /// <summary>Decodes one entry of <c>policies.retries</c>; <c>Dropped</c> lists the keys daprd never sees.</summary>
    public static (RetryPolicy Policy, IReadOnlyList<string> Dropped) Parse(string name, YamlNode node)
    {
        if (node is not YamlMappingNode map)
        {
            throw new InvalidOperationException($"retry policy {name} is not a mapping: daprd cannot parse this Resiliency file and loads none of it");
        }
        var fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var dropped = new List<string>();
        foreach (var (key, value) in map.Children)
        {
            var text = (key as YamlScalarNode)?.Value ?? "";
            if (SchemaFields.FirstOrDefault(f => string.Equals(f, text, StringComparison.OrdinalIgnoreCase)) is { } field)
            {
                fields[field] = value;
            }
            else
            {
                dropped.Add(text);
            }
        }
        if (fields.ContainsKey("matching"))
        {
            throw new NotSupportedException($"retry policy {name}: 'matching' is not supported by the test sidecar");
        }

        string? Text(string field) => !fields.TryGetValue(field, out var value) || IsNull(value) ? null
            : value is YamlScalarNode scalar ? scalar.Value
            : throw new InvalidOperationException($"retry policy {name}: {field} must be a string; daprd cannot parse this Resiliency file and loads none of it");

        // kit's PolicyType.DecodeString lower-cases the value; the omitted (empty) policy is the default, constant.
        var policy = Text("policy") is { Length: > 0 } p ? p.ToLowerInvariant() : "constant";
        if (policy is not ("constant" or "exponential"))
        {
            throw new InvalidOperationException($"invalid retry configuration \"{name}\": invalid PolicyType \"{Text("policy")}\": unexpected back off policy type: {Text("policy")}");
        }
        return (new RetryPolicy(
            name,
            policy == "exponential",
            Text("duration") is { Length: > 0 } duration ? Resiliency.ParseDuration(duration) : TimeSpan.FromSeconds(5),
            Text("maxInterval") is { Length: > 0 } maxInterval ? Resiliency.ParseDuration(maxInterval) : TimeSpan.FromSeconds(60),
            fields.TryGetValue("maxRetries", out var maxRetries) && !IsNull(maxRetries) ? Integer(name, maxRetries) : -1), dropped);
    }

    // maxRetries is a *int in the v1alpha1 type: a quoted or non-integer value fails the file's
    // json.Unmarshal, and daprd then loads nothing of that file (loadLocalResiliencyPath logs an error).
    private static int Integer(string name, YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: { } text }
        && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidOperationException($"retry policy {name}: maxRetries must be a YAML integer; daprd cannot parse this Resiliency file and loads none of it");

    // YAML 1.1 null (yaml.v2): JSON null, which omitempty fields treat as absent.
    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };
}

/// <summary>A component's policy; <c>CircuitBreaker</c> is the component's one breaker instance, shared by all its calls.</summary>
internal sealed record ComponentPolicy(RetryPolicy? Retry, TimeSpan? Timeout, CircuitBreaker? CircuitBreaker = null)
{
    /// <summary>The resiliency metrics of the call this policy was handed to; null when metrics are off.</summary>
    public PolicyMetrics? Metrics { get; init; }
}

/// <summary>
/// The parts of daprd's resiliency provider (dapr/dapr pkg/resiliency/resiliency.go) the sidecar
/// applies: retries and timeouts on <c>targets.components.&lt;name&gt;.{inbound,outbound}</c> and the
/// <c>Default…Policy</c> fallbacks for components without a target. As in daprd, policies of every
/// Resiliency go into one set (a later one of the same name replaces an earlier one), targets name
/// them, and a name no Resiliency defines means no policy (except a circuit breaker: see Resolve).
/// Circuit breakers live in one instance per component name (circuitBreakerInstances, keyed by the
/// component alone: its inbound and outbound calls share it, and the breaker policy of the direction
/// asked first shapes it), named <c>&lt;policy&gt;-&lt;component&gt;</c>.
/// </summary>
internal sealed class Resiliency(
        IReadOnlyList<string> names,
        Dictionary<string, TimeSpan> timeouts,
        Dictionary<string, RetryPolicy> retries,
        Dictionary<string, CircuitBreakerPolicy> circuitBreakers,
        Dictionary<string, (ComponentPolicy Inbound, ComponentPolicy Outbound, string? InboundBreaker, string? OutboundBreaker)> targets,
        TimeProvider time,
        ILogger logger,
        DaprMetrics? metrics,
        (string Name, string Namespace) last)
{
    public const string Pubsub = "Pubsub";
    public const string Statestore = "Statestore";

    private readonly Dictionary<string, CircuitBreaker> _breakerInstances = new(StringComparer.Ordinal);
    private readonly string _metricsName = last.Name;
    private readonly string _metricsNamespace = last.Namespace;

    public IReadOnlyList<string> Names { get; } = names;

    /// <summary>ComponentInboundPolicy: the pubsub's deliveries to the app.</summary>
    public ComponentPolicy? Inbound(string component, string componentType) => Metered(Policy(component, componentType, "Inbound"), PolicyKinds.Inbound, component, componentType);

    /// <summary>ComponentOutboundPolicy: calls into the component (publish, state operations).</summary>
    public ComponentPolicy? Outbound(string component, string componentType) => Metered(Policy(component, componentType, "Outbound"), PolicyKinds.Outbound, component, componentType);

    // resiliency.go addMetricsToPolicy runs every time a component policy is asked for.
    private ComponentPolicy? Metered(ComponentPolicy? policy, string direction, string component, string componentType)
    {
        if (policy is null || metrics is null)
        {
            return policy;
        }
        var policyMetrics = new PolicyMetrics(metrics, _metricsName, _metricsNamespace, direction, componentType + "_" + component);
        policyMetrics.Executed(policy);
        return policy with { Metrics = policyMetrics };
    }

    private ComponentPolicy? Policy(string component, string componentType, string direction)
    {
        if (targets.TryGetValue(component, out var target))
        {
            // A component with a target never falls back to the defaults, even for a direction it leaves empty.
            var policy = direction == "Inbound" ? target.Inbound : target.Outbound;
            var breakerName = direction == "Inbound" ? target.InboundBreaker : target.OutboundBreaker;
            var breaker = breakerName is null ? null : Breaker(component, circuitBreakers[breakerName]);
            return policy.Retry is null && policy.Timeout is null && breaker is null ? null : policy with { CircuitBreaker = breaker };
        }
        // getDefaultPolicy: Default<Type>Component<Direction>…, DefaultComponent<Direction>…,
        // DefaultComponent…, then Default…Policy.
        string[] levels = [$"{componentType}Component{direction}", $"Component{direction}", "Component", ""];
        var retry = levels.Select(l => retries.GetValueOrDefault($"Default{l}RetryPolicy")).FirstOrDefault(r => r is not null);
        var timeout = levels.Select(l => timeouts.TryGetValue($"Default{l}TimeoutPolicy", out var t) ? t : (TimeSpan?)null).FirstOrDefault(t => t is not null);
        var defaultBreaker = levels.Select(l => circuitBreakers.GetValueOrDefault($"Default{l}CircuitBreakerPolicy")).FirstOrDefault(b => b is not null);
        var instance = defaultBreaker is null ? null : Breaker(component, defaultBreaker);
        return retry is null && timeout is null && instance is null ? null : new ComponentPolicy(retry, Positive(timeout), instance);
    }

    // circuitBreakerInstances.Get: the component's instance if there is one, else a new one from this template.
    private CircuitBreaker Breaker(string component, CircuitBreakerPolicy template)
    {
        lock (_breakerInstances)
        {
            if (!_breakerInstances.TryGetValue(component, out var breaker))
            {
                breaker = new CircuitBreaker(template.Name + "-" + component, template, time, logger);
                _breakerInstances[component] = breaker;
            }
            return breaker;
        }
    }

    /// <summary>
    /// Every Resiliency resource, in order. As daprd's FromConfigurations, each loaded one counts in
    /// <c>dapr_resiliency_loaded</c>, and the policies' metrics carry the name and namespace of the last.
    /// </summary>
    public static Resiliency From(IEnumerable<YamlMappingNode> resources, ILogger logger, TimeProvider? time = null, DaprMetrics? metrics = null)
    {
        var names = new List<string>();
        var last = (Name: "", Namespace: "");
        var timeouts = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var retries = new Dictionary<string, RetryPolicy>(StringComparer.Ordinal);
        var circuitBreakers = new Dictionary<string, CircuitBreakerPolicy>(StringComparer.Ordinal);
        var targetNames = new Dictionary<string, (YamlNode? Inbound, YamlNode? Outbound)>(StringComparer.Ordinal);
        foreach (var doc in resources)
        {
            var resiliencyName = DaprResources.Scalar(DaprResources.Child(doc, "metadata"), "name") ?? "";
            names.Add(resiliencyName);
            last = (resiliencyName, DaprResources.Scalar(DaprResources.Child(doc, "metadata"), "namespace") ?? "");
            metrics?.PolicyLoaded(last.Name, last.Namespace);
            var spec = DaprResources.Child(doc, "spec");
            var policies = DaprResources.Child(spec, "policies");
            if (DaprResources.Child(policies, "timeouts") is YamlMappingNode timeoutMap)
            {
                foreach (var (key, value) in timeoutMap.Children)
                {
                    timeouts[((YamlScalarNode)key).Value ?? ""] = ParseDuration((value as YamlScalarNode)?.Value ?? "");
                }
            }
            if (DaprResources.Child(policies, "retries") is YamlMappingNode retryMap)
            {
                foreach (var (key, value) in retryMap.Children)
                {
                    var name = ((YamlScalarNode)key).Value ?? "";
                    var (retry, dropped) = RetryPolicy.Parse(name, value);
                    retries[name] = retry;
                    if (dropped.Count > 0)
                    {
                        Log.RetryFieldsDropped(logger, resiliencyName, name, string.Join(", ", dropped));
                    }
                }
            }
            if (DaprResources.Child(policies, "circuitBreakers") is YamlMappingNode breakerMap)
            {
                foreach (var (key, value) in breakerMap.Children)
                {
                    var name = ((YamlScalarNode)key).Value ?? "";
                    circuitBreakers[name] = CircuitBreakerPolicy.Parse(name, value);
                }
            }
            if (DaprResources.Child(DaprResources.Child(spec, "targets"), "components") is YamlMappingNode components)
            {
                foreach (var (key, value) in components.Children)
                {
                    targetNames[((YamlScalarNode)key).Value ?? ""] = (DaprResources.Child(value, "inbound"), DaprResources.Child(value, "outbound"));
                }
            }
        }

        // Targets hold names, looked up when a policy is asked for: resolving them once all
        // Resiliency resources are read gives the same answer.
        var targets = new Dictionary<string, (ComponentPolicy, ComponentPolicy, string?, string?)>(StringComparer.Ordinal);
        foreach (var (component, (inbound, outbound)) in targetNames)
        {
            targets[component] = (Resolve(component, "inbound", inbound), Resolve(component, "outbound", outbound), BreakerName(component, "inbound", inbound), BreakerName(component, "outbound", outbound));
        }
        return new Resiliency(names, timeouts, retries, circuitBreakers, targets, time ?? TimeProvider.System, logger, metrics, last);

        // A component target naming a circuit breaker nobody defined hands circuitBreakerInstances.Get a nil
        // template, and daprd panics on the component's first call: refused at start instead.
        string? BreakerName(string component, string direction, YamlNode? target) =>
            DaprResources.Scalar(target, "circuitBreaker") is not { Length: > 0 } name ? null
            : circuitBreakers.ContainsKey(name) ? name
            : throw new InvalidOperationException($"resiliency: component {component} {direction} names circuit breaker '{name}', which no Resiliency defines; daprd dereferences the missing template on the component's first call and panics");

        ComponentPolicy Resolve(string component, string direction, YamlNode? target)
        {
            RetryPolicy? retry = null;
            TimeSpan? timeout = null;
            if (DaprResources.Scalar(target, "retry") is { Length: > 0 } retryName && !retries.TryGetValue(retryName, out retry))
            {
                Log.PolicyNotDefined(logger, component, direction, "retry", retryName);
            }
            if (DaprResources.Scalar(target, "timeout") is { Length: > 0 } timeoutName)
            {
                if (timeouts.TryGetValue(timeoutName, out var t))
                {
                    timeout = Positive(t);
                }
                else
                {
                    // r.timeouts[name]: an inline duration is just a name nobody defined.
                    Log.PolicyNotDefined(logger, component, direction, "timeout", timeoutName);
                }
            }
            return new ComponentPolicy(retry, timeout);
        }
    }

    /// <summary>
    /// A duration as daprd reads one in a Resiliency (kit config.Decode for retries, resiliency.go
    /// parseDuration for timeouts): a bare integer is milliseconds, anything else Go's time.ParseDuration.
    /// </summary>
    public static TimeSpan ParseDuration(string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var milliseconds)
            ? TimeSpan.FromMilliseconds(milliseconds)
            : GoDuration.Parse(text);

    // policy.go applies a timeout only when it is > 0.
    private static TimeSpan? Positive(TimeSpan? timeout) => timeout > TimeSpan.Zero ? timeout : null;
}
