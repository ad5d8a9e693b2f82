using Dapr;
using Microsoft.AspNetCore.Http;
using TestSidecar.Resources;

namespace Sidecar.Tests;

/// <summary>
/// Resiliency circuit breakers: the state machine of sony/gobreaker v0.5.0 (the version in dapr/dapr
/// v1.18.3 go.mod) as pkg/resiliency/breaker/circuitbreaker.go configures it, the per-component instances
/// of pkg/resiliency/resiliency.go, and policy.go's breaker around each attempt, against real redis-server.
/// </summary>
public sealed class CircuitBreakerTests(RedisFixture redis)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly ListLogger _log = new();

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }

    /// <summary>A Resiliency with one circuit breaker policy, <c>cb</c>, and these component targets.</summary>
    private Resiliency Load(string breaker, string targets, TimeProvider? time = null) =>
        Resiliency.From([Resources.Parse(Resources.Resiliency("test", $"""
            policies:
              circuitBreakers:
                cb:
            {Resources.Indent(breaker, 6)}
            targets:
              components:
            {Resources.Indent(targets, 4)}
            """))], _log, time);

    /// <summary>The pub/sub component's outbound breaker with these settings, on a clock of its own.</summary>
    private (CircuitBreaker Breaker, ManualClock Clock) Breaker(string breaker)
    {
        var clock = new ManualClock();
        var instance = Load(breaker, "pubsub:\n  outbound:\n    circuitBreaker: cb", clock).Outbound("pubsub", Resiliency.Pubsub)?.CircuitBreaker
            ?? throw new InvalidOperationException("no breaker");
        return (instance, clock);
    }

    private static void Fail(CircuitBreaker breaker) => breaker.Report(breaker.Allow(), success: false);

    private static void Succeed(CircuitBreaker breaker) => breaker.Report(breaker.Allow(), success: true);

    /// <summary>
    /// sony/gobreaker v0.5.0 gobreaker.go (beforeRequest, onFailure, currentState, onSuccess): after a
    /// failure the trip expression sees the counts; open refuses with ErrOpenState until the timeout, then
    /// half-open lets maxRequests calls through (ErrTooManyRequests beyond), and maxRequests consecutive
    /// successes close it. dapr/dapr v1.18.3 pkg/resiliency/breaker/circuitbreaker.go: the counts as CEL
    /// variables, OnStateChange logged at Information.
    /// </summary>
    [Fact]
    public void Trips_when_the_expression_holds_refuses_while_open_then_closes_after_maxRequests_successes()
    {
        var (breaker, clock) = Breaker("maxRequests: 2\ntimeout: 10s\ntrip: consecutiveFailures > 2");

        Fail(breaker);
        Fail(breaker);
        Assert.Equal(CircuitBreakerState.Closed, breaker.State);
        Fail(breaker);
        Assert.Equal(CircuitBreakerState.Open, breaker.State);
        Assert.Equal("circuit breaker is open", Assert.Throws<CircuitBreakerOpenException>(() => breaker.Allow()).Message);

        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(CircuitBreakerState.Open, breaker.State); // expiry.Before(now) is strict
        clock.Advance(TimeSpan.FromTicks(1));
        var first = breaker.Allow();
        var second = breaker.Allow();
        Assert.Equal(CircuitBreakerState.HalfOpen, breaker.State);
        Assert.Equal("too many requests", Assert.Throws<CircuitBreakerOpenException>(() => breaker.Allow()).Message);
        breaker.Report(first, success: true);
        Assert.Equal(CircuitBreakerState.HalfOpen, breaker.State);
        breaker.Report(second, success: true);
        Assert.Equal(CircuitBreakerState.Closed, breaker.State);

        Assert.Equal(
            [
                "Circuit breaker \"cb-pubsub\" changed state from closed to open",
                "Circuit breaker \"cb-pubsub\" changed state from open to half-open",
                "Circuit breaker \"cb-pubsub\" changed state from half-open to closed",
            ],
            _log.Lines.Where(l => l.Level == Microsoft.Extensions.Logging.LogLevel.Information).Select(l => l.Message));
    }

    /// <summary>sony/gobreaker v0.5.0 gobreaker.go onFailure: any failure while half-open opens it again for a new timeout.</summary>
    [Fact]
    public void A_failure_while_half_open_opens_it_again()
    {
        var (breaker, clock) = Breaker("maxRequests: 3\ntimeout: 5s\ntrip: consecutiveFailures > 0");
        Fail(breaker);
        clock.Advance(TimeSpan.FromSeconds(6));

        Succeed(breaker);
        Fail(breaker);

        Assert.Equal(CircuitBreakerState.Open, breaker.State);
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Throws<CircuitBreakerOpenException>(() => breaker.Allow());
    }

    /// <summary>
    /// sony/gobreaker v0.5.0 gobreaker.go toNewGeneration/currentState: while closed the counts are cleared
    /// each interval, and a call that started in an earlier generation does not count; interval 0 never clears.
    /// </summary>
    [Fact]
    public void Counts_reset_every_interval_while_closed_and_never_with_interval_0()
    {
        var (resetting, clock) = Breaker("interval: 10s\ntrip: consecutiveFailures > 2");
        Fail(resetting);
        Fail(resetting);
        var straddling = resetting.Allow();
        clock.Advance(TimeSpan.FromSeconds(11));
        resetting.Report(straddling, success: false);
        Fail(resetting);
        Fail(resetting);

        Assert.Equal(CircuitBreakerState.Closed, resetting.State);
        Assert.Equal(2u, resetting.Counts.ConsecutiveFailures);

        var (never, clock2) = Breaker("interval: 0\ntrip: totalFailures >= 3");
        Fail(never);
        Succeed(never);
        clock2.Advance(TimeSpan.FromDays(1));
        Fail(never);
        Assert.Equal(CircuitBreakerState.Closed, never.State);
        Fail(never);
        Assert.Equal(CircuitBreakerState.Open, never.State);
    }

    /// <summary>
    /// sony/gobreaker v0.5.0 NewCircuitBreaker defaults as daprd leaves them (breaker/circuitbreaker.go passes
    /// zero values through; Trip nil = defaultReadyToTrip): maxRequests 0 = 1, timeout 0 = 60s,
    /// no trip = consecutiveFailures > 5.
    /// </summary>
    [Fact]
    public void Empty_settings_take_gobreakers_defaults()
    {
        var (breaker, clock) = Breaker("maxRequests: 0");
        for (var i = 0; i < 5; i++)
        {
            Fail(breaker);
        }
        Assert.Equal(CircuitBreakerState.Closed, breaker.State);
        Fail(breaker);
        Assert.Equal(CircuitBreakerState.Open, breaker.State);

        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(CircuitBreakerState.Open, breaker.State);
        clock.Advance(TimeSpan.FromSeconds(2));
        breaker.Allow();
        Assert.Throws<CircuitBreakerOpenException>(() => breaker.Allow());
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/resiliency/resiliency.go ComponentOutboundPolicy/ComponentInboundPolicy: both call
    /// componentCBs.Get(name, template), keyed by the component name alone, and Get names a new instance
    /// template.Name + "-" + name; the Default…CircuitBreakerPolicy fallback goes through the same cache.
    /// </summary>
    [Fact]
    public void One_breaker_instance_per_component_shared_by_inbound_and_outbound()
    {
        var resiliency = Load("trip: consecutiveFailures > 1", """
            pubsub:
              inbound:
                circuitBreaker: cb
              outbound:
                circuitBreaker: cb
            replystore:
              outbound:
                circuitBreaker: cb
            """);

        var inbound = resiliency.Inbound("pubsub", Resiliency.Pubsub)?.CircuitBreaker;
        var outbound = resiliency.Outbound("pubsub", Resiliency.Pubsub)?.CircuitBreaker;
        var store = resiliency.Outbound("replystore", Resiliency.Statestore)?.CircuitBreaker;

        Assert.NotNull(inbound);
        Assert.Same(inbound, outbound);
        Assert.NotSame(inbound, store);
        Assert.Equal("cb-pubsub", inbound.Name);
        Assert.Equal("cb-replystore", store?.Name);
        Fail(inbound);
        Fail(inbound);
        Assert.Equal(CircuitBreakerState.Open, outbound?.State);
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/resiliency/resiliency.go getDefaultCircuitBreakerPolicy (Default…CircuitBreakerPolicy
    /// for components without a target) and pkg/expr/expr.go (trip is CEL; the sidecar refuses what it cannot evaluate).
    /// </summary>
    [Fact]
    public void Default_breakers_apply_without_a_target_and_unsupported_trips_or_names_are_refused()
    {
        var defaults = Resiliency.From([Resources.Parse(Resources.Resiliency("test", """
            policies:
              circuitBreakers:
                DefaultPubsubComponentOutboundCircuitBreakerPolicy:
                  trip: consecutiveFailures > 1 && requests >= 2
            """))], _log);
        Assert.Equal("DefaultPubsubComponentOutboundCircuitBreakerPolicy-pubsub", defaults.Outbound("pubsub", Resiliency.Pubsub)?.CircuitBreaker?.Name);
        Assert.Null(defaults.Inbound("pubsub", Resiliency.Pubsub));

        Assert.Throws<NotSupportedException>(() => Load("trip: consecutiveFailure > 5", "pubsub:\n  outbound:\n    circuitBreaker: cb"));
        Assert.Throws<NotSupportedException>(() => Load("trip: consecutiveFailures > 5.0", "pubsub:\n  outbound:\n    circuitBreaker: cb"));
        Assert.Throws<NotSupportedException>(() => Load("trip: size(x) > 1", "pubsub:\n  outbound:\n    circuitBreaker: cb"));
        Assert.Throws<InvalidOperationException>(() => Load("maxRequests: \"1\"", "pubsub:\n  outbound:\n    circuitBreaker: cb"));
        Assert.Throws<InvalidOperationException>(() => Load("trip: consecutiveFailures > 5", "pubsub:\n  outbound:\n    circuitBreaker: other"));
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/runtime/pubsub/publisher/publisher.go (Publish under ComponentOutboundPolicy) and
    /// pkg/resiliency/policy.go NewRunnerWithOptions: each attempt goes through the breaker, and its
    /// ErrOpenState is made backoff.Permanent, so the retry policy stops at once; the caller gets gobreaker's
    /// "circuit breaker is open" without Redis being tried. After the timeout one half-open publish that
    /// succeeds closes it (sony/gobreaker v0.5.0 gobreaker.go).
    /// </summary>
    [Fact]
    public async Task Publish_fails_fast_once_the_breaker_opened_on_redis_failures_then_recovers()
    {
        redis.Require();
        await using var server = await RedisServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var resources = Resources.WithResiliency(server.Endpoint, "test", """
            policies:
              timeouts:
                publish: 500ms
              retries:
                publishRetry:
                  policy: constant
                  duration: 10ms
                  maxRetries: 1
              circuitBreakers:
                pubsubBreaker:
                  maxRequests: 1
                  timeout: 3s
                  trip: consecutiveFailures > 3
            targets:
              components:
                pubsub:
                  outbound:
                    timeout: publish
                    retry: publishRetry
                    circuitBreaker: pubsubBreaker
            """);
        await using var sidecar = await Sidecars.StartAsync("ingress", resources);
        using var client = Sidecars.Client(sidecar);
        var topic = Sidecars.NewName("cb");
        await client.PublishEventAsync("pubsub", topic, new Ping("before"), TestContext.Current.CancellationToken);

        await server.StopAsync();
        // Two publishes of two attempts each: four failures, the fourth trips consecutiveFailures > 3.
        var failures = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var error = await Assert.ThrowsAsync<DaprException>(() => client.PublishEventAsync("pubsub", topic, new Ping("down"), TestContext.Current.CancellationToken));
            failures.Add(error.InnerException?.Message ?? error.Message);
        }
        await sidecar.WaitForOutputAsync("Circuit breaker \"pubsubBreaker-pubsub\" changed state from closed to open", Wait, TestContext.Current.CancellationToken);
        var retriesBefore = sidecar.Output.Count(l => l.Contains("Publish to pubsub/", StringComparison.Ordinal));
        var open = await Assert.ThrowsAsync<DaprException>(() => client.PublishEventAsync("pubsub", topic, new Ping("open"), TestContext.Current.CancellationToken));

        Assert.All(failures, f => Assert.DoesNotContain("circuit breaker", f, StringComparison.Ordinal));
        var rpc = Assert.IsType<Grpc.Core.RpcException>(open.InnerException);
        Assert.Equal(Grpc.Core.StatusCode.Internal, rpc.StatusCode);
        Assert.Equal($"error when publishing to topic {topic} in pubsub pubsub: circuit breaker is open", rpc.Status.Detail);
        // Permanent: the retry policy did not retry the refused attempt.
        // (The test sidecar's own retry log; against daprd both counts are 0 and the error text above decides.)
        Assert.Equal(retriesBefore, sidecar.Output.Count(l => l.Contains("Publish to pubsub/", StringComparison.Ordinal)));

        await server.StartAsync(TestContext.Current.CancellationToken);
        await Sidecars.WaitUntilAsync(async () =>
        {
            try
            {
                await client.PublishEventAsync("pubsub", topic, new Ping("back"), TestContext.Current.CancellationToken);
                return true;
            }
            catch (DaprException)
            {
                await Task.Delay(200, TestContext.Current.CancellationToken);
                return false;
            }
        }, Wait, "a publish to succeed after the breaker's timeout");

        await sidecar.WaitForOutputAsync("changed state from open to half-open", Wait, TestContext.Current.CancellationToken);
        await sidecar.WaitForOutputAsync("changed state from half-open to closed", Wait, TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/runtime/subscription/subscription.go (each delivery under ComponentInboundPolicy;
    /// a runner error sends the entry to the dead-letter topic) and pkg/resiliency/policy.go (the breaker
    /// around each attempt): a failing app trips the inbound breaker, events then go to the dead-letter
    /// topic without reaching the app until the timeout, and a half-open delivery that succeeds closes it.
    /// </summary>
    [Fact]
    public async Task An_inbound_breaker_tripped_by_a_failing_app_keeps_deliveries_from_it_until_half_open()
    {
        redis.Require();
        var topic = Sidecars.NewName("cbin");
        var deadLetter = topic + "-dlq";
        var resources = Resources.WithResiliency(redis.Endpoint, "test", """
            policies:
              circuitBreakers:
                appBreaker:
                  maxRequests: 1
                  timeout: 5s
                  trip: consecutiveFailures > 1
            targets:
              components:
                pubsub:
                  inbound:
                    circuitBreaker: appBreaker
            """);
        var healthy = 0;
        await using var app = await TestApp.StartAsync(
            [Sidecars.Subscription(topic, "/in", deadLetter)],
            (_, _) => Task.FromResult(Volatile.Read(ref healthy) == 1 ? Results.Ok() : Results.StatusCode(500)));
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port);
        using var client = Sidecars.Client(sidecar);

        for (var i = 1; i <= 2; i++)
        {
            await client.PublishEventAsync("pubsub", topic, new Ping($"fail {i}"), TestContext.Current.CancellationToken);
            await Sidecars.WaitUntilAsync(async () => await redis.Db.StreamLengthAsync(deadLetter) == i, Wait, $"dead-letter entry {i}");
        }
        await sidecar.WaitForOutputAsync("Circuit breaker \"appBreaker-pubsub\" changed state from closed to open", Wait, TestContext.Current.CancellationToken);
        await client.PublishEventAsync("pubsub", topic, new Ping("while open"), TestContext.Current.CancellationToken);
        await Sidecars.WaitUntilAsync(async () => await redis.Db.StreamLengthAsync(deadLetter) == 3, Wait, "the refused event in the dead-letter topic");

        Assert.Equal(2, app.Deliveries.Count());
        Assert.DoesNotContain(sidecar.Output, l => l.Contains("half-open", StringComparison.Ordinal));

        Volatile.Write(ref healthy, 1);
        await Sidecars.WaitUntilAsync(async () =>
        {
            var before = app.Deliveries.Count();
            var length = await redis.Db.StreamLengthAsync(deadLetter);
            await client.PublishEventAsync("pubsub", topic, new Ping("probe"), TestContext.Current.CancellationToken);
            await Sidecars.WaitUntilAsync(
                async () => app.Deliveries.Count() > before || await redis.Db.StreamLengthAsync(deadLetter) > length, Wait, "the probe to be handled");
            if (app.Deliveries.Count() > before)
            {
                return true;
            }
            await Task.Delay(200, TestContext.Current.CancellationToken);
            return false;
        }, Wait, "a delivery to reach the app again");

        await sidecar.WaitForOutputAsync("changed state from open to half-open", Wait, TestContext.Current.CancellationToken);
        await sidecar.WaitForOutputAsync("changed state from half-open to closed", Wait, TestContext.Current.CancellationToken);
    }
}
