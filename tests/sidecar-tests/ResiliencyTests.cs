using Microsoft.Extensions.Logging;
using TestSidecar.Resources;

namespace Sidecar.Tests;

public sealed class ResiliencyTests
{
    private const int Samples = 5000;

    private readonly ListLogger _log = new();

    private Resiliency Load(params string[] documents) =>
        Resiliency.From(documents.Select(Resources.Parse), _log);

    private static string InboundRetry(string retry) => Resources.Resiliency("test", $"""
        policies:
          retries:
            deliveryRetry:
        {Resources.Indent(retry, 6)}
        targets:
          components:
            pubsub:
              inbound:
                retry: deliveryRetry
        """);

    private RetryPolicy Retry(string retry) =>
        Load(InboundRetry(retry)).Inbound("pubsub", Resiliency.Pubsub)?.Retry ?? throw new InvalidOperationException("no inbound retry");

    private static IReadOnlyList<double> Waits(RetryPolicy policy, int retry) =>
        [.. Enumerable.Range(0, Samples).Select(_ => policy.NextDelay(retry, TimeSpan.Zero)!.Value.TotalMilliseconds)];

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/apis/resiliency/v1alpha1/types.go (Retry has policy, duration, maxInterval,
    /// maxRetries, matching) and pkg/resiliency/resiliency.go decodePolicies (retry.DefaultConfig, toMap,
    /// retry.DecodeConfig); dapr/kit retry/retry.go DefaultConfig and NewBackOff; cenkalti/backoff v4.3.0
    /// exponential.go (defaults 500ms, x1.5, 0.5, 15m; NextBackOff, getRandomValueFromInterval).
    /// </summary>
    [Fact]
    public void Exponential_retries_ignore_fields_outside_the_schema_and_wait_as_dapr_kits_defaults()
    {
        var policy = Retry("""
            policy: exponential
            initialInterval: 10ms
            maxElapsedTime: 1s
            multiplier: 3
            randomizationFactor: 0
            """);

        var first = Waits(policy, 1);
        var second = Waits(policy, 2);
        var third = Waits(policy, 3);

        // 500ms +/-50%, then 750ms and 1125ms: the 10ms start, the x3 growth and the 0 jitter never arrive.
        Assert.All(first, w => Assert.InRange(w, 250, 750));
        Assert.True(first.Min() < 300 && first.Max() > 700, $"first waits span {first.Min()}..{first.Max()} ms");
        Assert.All(second, w => Assert.InRange(w, 375, 1125));
        Assert.All(third, w => Assert.InRange(w, 562.5, 1687.5));
        Assert.Equal(TimeSpan.FromMilliseconds(250), policy.NextDelay(1, TimeSpan.Zero, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(750), policy.NextDelay(1, TimeSpan.Zero, 0.999_999_999_9));
        // maxElapsedTime: 1s is dropped too: two seconds in, it still retries.
        Assert.NotNull(policy.NextDelay(3, TimeSpan.FromSeconds(2)));
        var warning = Assert.Single(_log.Lines, l => l.Level == LogLevel.Warning);
        Assert.Contains("initialInterval, maxElapsedTime, multiplier, randomizationFactor", warning.Message, StringComparison.Ordinal);
        Assert.Contains("daprd drops them silently", warning.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// cenkalti/backoff v4.3.0 exponential.go: NextBackOff uses the current interval as it is, then
    /// incrementCurrentInterval multiplies it (in whole nanoseconds) and caps it at MaxInterval, so the
    /// first wait is not capped. The repository's deliveryRetry (maxInterval 4s) at the jitter's middle.
    /// </summary>
    [Fact]
    public void The_exponential_interval_grows_from_500ms_and_maxInterval_caps_only_the_growth()
    {
        var delivery = Retry("""
            policy: exponential
            maxInterval: 4s
            maxRetries: 6
            """);
        var tiny = Retry("""
            policy: exponential
            maxInterval: 100ms
            """);

        var middles = Enumerable.Range(1, 6).Select(r => delivery.NextDelay(r, TimeSpan.Zero, 0.5)!.Value.TotalMilliseconds);

        Assert.Equal([500, 750, 1125, 1687.5, 2531.25, 3796.875], middles);
        Assert.Equal(TimeSpan.FromSeconds(4), Retry("policy: exponential\nmaxInterval: 4s").NextDelay(7, TimeSpan.Zero, 0.5));
        Assert.All(Waits(tiny, 1), w => Assert.InRange(w, 250, 750));
        Assert.All(Waits(tiny, 2), w => Assert.InRange(w, 50, 150));
        Assert.All(Waits(tiny, 40), w => Assert.InRange(w, 50, 150));
    }

    /// <summary>
    /// cenkalti/backoff v4.3.0 tries.go (WithMaxRetries: Stop after maxRetries calls of NextBackOff) and
    /// dapr/kit retry/retry.go NewBackOff (wrapped only when maxRetries >= 0; DefaultConfig: -1, constant 5s).
    /// </summary>
    [Fact]
    public void MaxRetries_counts_the_retries_after_the_first_attempt()
    {
        var two = Retry("policy: exponential\nmaxRetries: 2");
        var none = Retry("policy: constant\nduration: 1s\nmaxRetries: 0");
        var unlimited = Retry("policy: constant");

        Assert.NotNull(two.NextDelay(1, TimeSpan.Zero));
        Assert.NotNull(two.NextDelay(2, TimeSpan.Zero));
        Assert.Null(two.NextDelay(3, TimeSpan.Zero));
        Assert.Null(none.NextDelay(1, TimeSpan.Zero));
        Assert.Equal(TimeSpan.FromSeconds(5), unlimited.NextDelay(10_000, TimeSpan.FromHours(1)));
    }

    /// <summary>
    /// cenkalti/backoff v4.3.0 exponential.go NextBackOff: Stop when elapsed + next > MaxElapsedTime,
    /// with MaxElapsedTime the kit default of 15 minutes (the schema cannot change it).
    /// </summary>
    [Fact]
    public void An_exponential_retry_gives_up_when_its_next_wait_would_end_after_15_minutes()
    {
        var policy = Retry("policy: exponential\nmaxElapsedTime: 1h");

        Assert.Null(policy.NextDelay(1, TimeSpan.FromMinutes(15) - TimeSpan.FromMilliseconds(200), 0));
        Assert.NotNull(policy.NextDelay(1, TimeSpan.FromMinutes(15) - TimeSpan.FromMilliseconds(800), 0.999_999));
        Assert.Null(policy.NextDelay(1, TimeSpan.FromMinutes(16), 0));
    }

    /// <summary>
    /// dapr/kit config/decode.go (a bare integer duration is milliseconds, else time.ParseDuration) and
    /// retry/retry.go PolicyType.DecodeString (lower-cased); sigs.k8s.io/yaml matches keys as encoding/json,
    /// case-insensitively; dapr/dapr pkg/resiliency/resiliency.go parseDuration for timeouts.
    /// </summary>
    [Fact]
    public void Retry_fields_decode_as_dapr_kit_decodes_them()
    {
        var constant = Retry("policy: Constant\nduration: 250\nMaxRetries: 3");
        var exponential = Retry("policy: EXPONENTIAL\nmaxInterval: \"4000\"");
        var resiliency = Load("""
            kind: Resiliency
            metadata:
              name: t
            spec:
              policies:
                timeouts:
                  delivery: 1500
              targets:
                components:
                  pubsub:
                    inbound:
                      timeout: delivery
            """);

        Assert.Equal(new RetryPolicy("deliveryRetry", false, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(60), 3), constant);
        Assert.Equal(new RetryPolicy("deliveryRetry", true, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(4), -1), exponential);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), resiliency.Inbound("pubsub", Resiliency.Pubsub)?.Timeout);
        Assert.Empty(_log.Lines);
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/apis/resiliency/v1alpha1/types.go: maxRetries is a *int, so a quoted value
    /// fails the file's yaml.Unmarshal and daprd loads nothing of it; kit's DecodeString refuses an unknown
    /// policy. The test sidecar refuses both at start rather than run with other policies than daprd's.
    /// </summary>
    [Fact]
    public void A_maxRetries_that_is_not_a_yaml_integer_and_an_unknown_policy_are_refused()
    {
        Assert.Throws<InvalidOperationException>(() => Retry("policy: constant\nmaxRetries: \"3\""));
        Assert.Throws<InvalidOperationException>(() => Retry("policy: constant\nmaxRetries: three"));
        Assert.Throws<InvalidOperationException>(() => Retry("policy: linear"));
        Assert.Throws<NotSupportedException>(() => Retry("policy: constant\nmatching:\n  httpStatusCodes: 500"));
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/resiliency/resiliency.go: decodePolicies adds every Resiliency's policies to one
    /// set, decodeTargets keeps names, and ComponentInboundPolicy looks them up (r.timeouts[name],
    /// r.retries[name]): a name nobody defines, such as an inline duration, gives no policy.
    /// </summary>
    [Fact]
    public void Targets_name_policies_of_any_resiliency_and_an_undefined_name_is_no_policy()
    {
        var resiliency = Load(
            """
            kind: Resiliency
            metadata:
              name: policies
            spec:
              policies:
                timeouts:
                  delivery: 12s
                  none: 0s
                retries:
                  deliveryRetry:
                    policy: constant
            """,
            """
            kind: Resiliency
            metadata:
              name: targets
            spec:
              targets:
                components:
                  pubsub:
                    inbound:
                      timeout: delivery
                      retry: deliveryRetry
                    outbound:
                      timeout: 5s
                      retry: publishRetry
                  other:
                    inbound:
                      timeout: none
            """);

        var inbound = resiliency.Inbound("pubsub", Resiliency.Pubsub);

        Assert.Equal(TimeSpan.FromSeconds(12), inbound?.Timeout);
        Assert.Equal("deliveryRetry", inbound?.Retry?.Name);
        Assert.Null(resiliency.Outbound("pubsub", Resiliency.Pubsub));
        Assert.Null(resiliency.Inbound("other", Resiliency.Pubsub));
        Assert.Equal(["policies", "targets"], resiliency.Names);
        Assert.Equal(2, _log.Lines.Count(l => l.Level == LogLevel.Warning && l.Message.Contains("which no Resiliency defines", StringComparison.Ordinal)));
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/resiliency/resiliency.go ComponentInboundPolicy/ComponentOutboundPolicy:
    /// a component without a target takes getDefaultPolicy's names (Default&lt;Type&gt;Component&lt;Direction&gt;…,
    /// DefaultComponent&lt;Direction&gt;…, DefaultComponent…, Default…Policy); one with a target never does.
    /// </summary>
    [Fact]
    public void Components_without_a_target_take_the_default_policies()
    {
        var resiliency = Load("""
            kind: Resiliency
            metadata:
              name: defaults
            spec:
              policies:
                timeouts:
                  DefaultTimeoutPolicy: 3s
                  DefaultComponentOutboundTimeoutPolicy: 2s
                retries:
                  DefaultPubsubComponentInboundRetryPolicy:
                    policy: constant
                    duration: 100ms
              targets:
                components:
                  targeted:
                    outbound:
                      timeout: DefaultTimeoutPolicy
            """);

        var pubsubInbound = resiliency.Inbound("pubsub", Resiliency.Pubsub);
        var stateOutbound = resiliency.Outbound("statestore", Resiliency.Statestore);
        var stateInbound = resiliency.Inbound("statestore", Resiliency.Statestore);

        Assert.Equal("DefaultPubsubComponentInboundRetryPolicy", pubsubInbound?.Retry?.Name);
        Assert.Equal(TimeSpan.FromSeconds(3), pubsubInbound?.Timeout);
        Assert.Null(stateOutbound?.Retry);
        Assert.Equal(TimeSpan.FromSeconds(2), stateOutbound?.Timeout);
        Assert.Null(stateInbound?.Retry);
        Assert.Equal(TimeSpan.FromSeconds(3), stateInbound?.Timeout);
        Assert.Null(resiliency.Inbound("targeted", Resiliency.Pubsub));
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/resiliency/resiliency.go loadLocalResiliencyPath: one yaml.Unmarshal per file
    /// (sigs.k8s.io/yaml over yaml.v2, which decodes the first document only) for the kind and the resource.
    /// </summary>
    [Fact]
    public void Only_the_first_document_of_a_file_can_be_a_resiliency()
    {
        var folder = Directory.CreateTempSubdirectory("sidecar-resiliency-docs-").FullName;
        File.WriteAllText(Path.Combine(folder, "a.yaml"), """
            kind: Resiliency
            metadata:
              name: first
            ---
            kind: Resiliency
            metadata:
              name: second
            """);
        File.WriteAllText(Path.Combine(folder, "b.yaml"), Resources.PubSubComponent("127.0.0.1:6379") + """
            ---
            kind: Resiliency
            metadata:
              name: after-a-component
            """);

        var resources = DaprResources.Load([folder], null, "proxy", v => v);

        Assert.Equal(["first"], resources.Resiliencies.Select(r => DaprResources.Scalar(DaprResources.Child(r, "metadata"), "name")));
        Assert.Equal([Path.Combine(folder, "a.yaml"), Path.Combine(folder, "b.yaml")], resources.IgnoredResiliencyFiles);
        Assert.Single(resources.Components);
    }
}
