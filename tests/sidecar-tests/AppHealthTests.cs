using Microsoft.AspNetCore.Http;
using StackExchange.Redis;
using TestSidecar.Hosting;

namespace Sidecar.Tests;

/// <summary>
/// App health checks (--enable-app-health-check): dapr/dapr v1.18.3 pkg/apphealth/health.go,
/// pkg/runtime/runtime.go initRuntime / appHealthChanged, pkg/runtime/processor/subscriber/subscriber.go
/// Start/StopAppSubscriptions, pkg/runtime/subscription/subscription.go Stop, pkg/channel/http/http_channel.go
/// HealthProbe and InvokeMethod; components-contrib v1.18.4 pubsub/redis/redis.go Subscribe.
/// </summary>
public sealed class AppHealthTests(RedisFixture redis)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static Task<IResult> Ok(AppRequest request, int count) => Task.FromResult<IResult>(Results.StatusCode(200));

    private static string[] HealthCheck(string path = "/health", int threshold = 2) =>
        ["--enable-app-health-check", "--app-health-check-path", path, "--app-health-probe-interval", "1", "--app-health-threshold", threshold.ToString(System.Globalization.CultureInfo.InvariantCulture)];

    private static IEnumerable<string> Texts(TestApp app) => app.Deliveries.Select(d => d.Json.GetProperty("data").GetProperty("text").GetString() ?? "");

    /// <summary>
    /// health.go setResult: the app turns unhealthy when the failure count reaches the threshold, and
    /// appHealthChanged stops the app's subscriptions (subscription.go Stop cancels the component's
    /// Subscribe context; redis.go's poll and reclaim loops end with it). The poll loop's last
    /// XREADGROUP is not interrupted (BLOCK 0; go-redis ends a read only at a deadline): the first
    /// entry published meanwhile is read by it and left pending; the next is not read at all. One healthy
    /// probe starts the subscriptions again (StartAppSubscriptions, without a second GET /dapr/subscribe):
    /// the unread entry is delivered at once, the stranded one only by the reclaim after processingTimeout.
    /// </summary>
    [Fact]
    public async Task Unhealthy_after_threshold_failed_probes_stops_deliveries_until_a_healthy_probe_restarts_them()
    {
        redis.Require();
        var topic = Sidecars.NewName("unhealthy");
        var resources = Resources.Write(redis.Endpoint, new Dictionary<string, string> { ["processingTimeout"] = "6000", ["redeliverInterval"] = "500" });
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], Ok);
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port, HealthCheck());
        using var client = Sidecars.Client(sidecar);
        await sidecar.WaitForOutputAsync("App subscriptions started", Wait, TestContext.Current.CancellationToken);
        await client.PublishEventAsync("pubsub", topic, new Ping("before"), TestContext.Current.CancellationToken);
        await app.WaitForDeliveriesAsync(1, Wait);

        app.Health = _ => 503;
        await sidecar.WaitForOutputAsync("App subscriptions stopped", Wait, TestContext.Current.CancellationToken);
        // Seconds later the stopped subscription's read is still blocked (the sidecar's own BLOCK is 2 s).
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        await client.PublishEventAsync("pubsub", topic, new Ping("stranded"), TestContext.Current.CancellationToken);
        await sidecar.WaitForOutputAsync("read by a closed subscription", Wait, TestContext.Current.CancellationToken);
        await client.PublishEventAsync("pubsub", topic, new Ping("unread"), TestContext.Current.CancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);

        Assert.Equal(["before"], Texts(app));
        var entries = await redis.Db.StreamRangeAsync(topic);
        Assert.Equal(3, entries.Length);
        var group = Assert.Single(await redis.Db.StreamGroupInfoAsync(topic));
        Assert.Equal(1, group.PendingMessageCount);
        Assert.Equal(entries[1].Id, group.LastDeliveredId);
        Assert.Contains(sidecar.Output, l => l.Contains("App entered un-healthy status: Health check failed with status code: 503", StringComparison.Ordinal));

        app.Health = _ => 200;
        await app.WaitForDeliveriesAsync(3, Wait);

        Assert.Equal(["before", "unread", "stranded"], Texts(app));
        Assert.Single(app.Requests, r => r.Path == "/dapr/subscribe");
        Assert.Contains(sidecar.Output, l => l.Contains("App entered healthy status", StringComparison.Ordinal));
        await sidecar.WaitForOutputAsync("Reclaimed pending entry", Wait, TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// runtime.go: the app starts unhealthy (health.go New sets the failure count to the threshold) and
    /// only the first healthy probe starts the subscriptions, GET /dapr/subscribe included; initRuntime
    /// does not wait for it, so /v1.0/healthz is ready before (SidecarProcess waits for its 204).
    /// </summary>
    [Fact]
    public async Task The_app_is_not_subscribed_before_its_first_healthy_probe_while_healthz_is_already_ready()
    {
        redis.Require();
        var topic = Sidecars.NewName("firstprobe");
        await redis.Db.StreamAddAsync(topic, "data", """{"data":{"text":"early"}}""");
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], Ok);
        app.Health = _ => 500;
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Write(redis.Endpoint), app.Port, HealthCheck());

        await Sidecars.WaitUntilAsync(() => Task.FromResult(app.Probes.Count() >= 3), Wait, "three failed probes");

        Assert.DoesNotContain(app.Requests, r => r.Path == "/dapr/subscribe");
        Assert.Empty(app.Deliveries);
        Assert.Empty(await redis.Db.StreamGroupInfoAsync(topic));

        app.Health = _ => 200;
        await app.WaitForDeliveriesAsync(1, Wait);

        Assert.Single(app.Requests, r => r.Path == "/dapr/subscribe");
    }

    /// <summary>runtime.go initRuntime: without --enable-app-health-check the app is marked healthy at once and never probed.</summary>
    [Fact]
    public async Task Without_the_flag_the_app_is_never_probed()
    {
        redis.Require();
        var topic = Sidecars.NewName("noprobe");
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], Ok);
        app.Health = _ => 500;
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Write(redis.Endpoint), app.Port,
            ["--app-health-check-path", "/health", "--app-health-probe-interval", "1"]);
        using var client = Sidecars.Client(sidecar);

        await client.PublishEventAsync("pubsub", topic, new Ping("x"), TestContext.Current.CancellationToken);
        await app.WaitForDeliveriesAsync(1, Wait);
        await Task.Delay(TimeSpan.FromSeconds(2.5), TestContext.Current.CancellationToken);

        Assert.Empty(app.Probes);
    }

    /// <summary>
    /// http_channel.go HealthProbe: GET of "/" + the path without its leading slash, with daprd's app
    /// client (redirects are not followed) and without the app token; only a 2xx is healthy, so a 302
    /// keeps the app unhealthy and unsubscribed.
    /// </summary>
    [Fact]
    public async Task Probes_GET_the_health_path_without_the_app_token_and_only_2xx_is_healthy()
    {
        redis.Require();
        var topic = Sidecars.NewName("probepath");
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], Ok);
        app.Health = _ => 302;
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Write(redis.Endpoint), app.Port, HealthCheck(path: "livez"),
            environment: new Dictionary<string, string> { ["APP_API_TOKEN"] = "app-secret" });

        await Sidecars.WaitUntilAsync(() => Task.FromResult(app.Probes.Count() >= 2), Wait, "two probes");
        var probe = app.Probes.First();

        Assert.Equal(("GET", "/livez"), (probe.Method, probe.Path));
        Assert.False(probe.Headers.ContainsKey("dapr-api-token"));
        Assert.DoesNotContain(app.Requests, r => r.Path == "/dapr/subscribe");

        app.Health = _ => 204;
        await Sidecars.WaitUntilAsync(() => Task.FromResult(app.Requests.Any(r => r.Path == "/dapr/subscribe")), Wait, "GET /dapr/subscribe after a 204 probe");
        Assert.Equal("app-secret", app.Requests.First(r => r.Path == "/dapr/subscribe").Headers["dapr-api-token"]);
    }

    /// <summary>
    /// health.go doProbe records a result only when it differs from the current status: a success while
    /// healthy does not reset the failure count, so failures add up across successes until the app has
    /// been unhealthy once (here probes 2 and 5 fail, threshold 2).
    /// </summary>
    [Fact]
    public async Task Failed_probes_add_up_across_successful_ones_while_the_app_is_healthy()
    {
        redis.Require();
        var topic = Sidecars.NewName("addup");
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], Ok);
        app.Health = probe => probe is 2 or 5 ? 500 : 200;
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Write(redis.Endpoint), app.Port, HealthCheck());

        await sidecar.WaitForOutputAsync("App entered un-healthy status", Wait, TestContext.Current.CancellationToken);

        Assert.True(app.Probes.Count() >= 5, $"unhealthy after {app.Probes.Count()} probes");
        await sidecar.WaitForOutputAsync("App subscriptions stopped", Wait, TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// subscription.go Stop: a delivery already running when the app turns unhealthy goes on (daprd runs
    /// it under context.Background) and Stop waits for it; its success is acknowledged.
    /// </summary>
    [Fact]
    public async Task A_delivery_in_flight_when_the_app_turns_unhealthy_completes_and_is_acknowledged()
    {
        redis.Require();
        var topic = Sidecars.NewName("inflight");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], async (_, _) =>
        {
            await release.Task;
            return Results.StatusCode(200);
        });
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Write(redis.Endpoint), app.Port, HealthCheck());
        using var client = Sidecars.Client(sidecar);
        await sidecar.WaitForOutputAsync("App subscriptions started", Wait, TestContext.Current.CancellationToken);

        await client.PublishEventAsync("pubsub", topic, new Ping("slow"), TestContext.Current.CancellationToken);
        await app.WaitForDeliveriesAsync(1, Wait);
        app.Health = _ => 503;
        await sidecar.WaitForOutputAsync("App entered un-healthy status", Wait, TestContext.Current.CancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

        Assert.DoesNotContain(sidecar.Output, l => l.Contains("App subscriptions stopped", StringComparison.Ordinal));
        release.SetResult();
        await sidecar.WaitForOutputAsync("App subscriptions stopped", Wait, TestContext.Current.CancellationToken);

        Assert.Equal(0, (await redis.Db.StreamPendingAsync(topic, "proxy")).PendingMessageCount);
        Assert.Equal(0, app.AbortedDeliveries);
    }

    /// <summary>
    /// http_channel.go InvokeMethod refuses every call to an unhealthy app ("app is not in a healthy
    /// state"), retries included; subscription.go does not dead-letter a delivery that fails while its
    /// subscription is closed: the entry stays pending for the reclaim.
    /// </summary>
    [Fact]
    public async Task Retries_while_the_app_is_unhealthy_are_refused_without_calling_it_and_the_entry_stays_pending()
    {
        redis.Require();
        var topic = Sidecars.NewName("refused");
        var deadLetter = topic + "-dlq";
        var resources = Resources.Write(redis.Endpoint, inboundRetry: """
            policy: constant
            duration: 300ms
            maxRetries: 30
            """);
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in", deadLetter)], (_, _) => Task.FromResult<IResult>(Results.StatusCode(500)));
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port, HealthCheck());
        using var client = Sidecars.Client(sidecar);
        await sidecar.WaitForOutputAsync("App subscriptions started", Wait, TestContext.Current.CancellationToken);

        await client.PublishEventAsync("pubsub", topic, new Ping("failing"), TestContext.Current.CancellationToken);
        await app.WaitForDeliveriesAsync(1, Wait);
        app.Health = _ => 503;
        await sidecar.WaitForOutputAsync("app is not in a healthy state", Wait, TestContext.Current.CancellationToken);
        var calls = app.Deliveries.Count();
        await sidecar.WaitForOutputAsync("subscription closed", Wait, TestContext.Current.CancellationToken);

        Assert.Equal(calls, app.Deliveries.Count());
        Assert.Equal(0, await redis.Db.StreamLengthAsync(deadLetter));
        Assert.Equal(1, (await redis.Db.StreamPendingAsync(topic, "proxy")).PendingMessageCount);
    }

    /// <summary>
    /// cmd/daprd/options/options.go and pkg/runtime/config.go: interval in seconds (default 5 s), timeout
    /// in milliseconds (default 500 ms), threshold (default 3), path default /healthz; 0 or less takes the
    /// default; a timeout above the interval stops daprd, whether the check is on or not.
    /// </summary>
    [Fact]
    public void Health_check_flags_take_daprd_defaults_and_units()
    {
        var defaults = SidecarOptions.Parse(["--app-id", "a", "--enable-app-health-check"], _ => null).AppHealthCheck;
        var set = SidecarOptions.Parse(["--app-id", "a", "--enable-app-health-check=true", "--app-health-check-path", "livez",
            "--app-health-probe-interval", "2", "--app-health-probe-timeout", "900", "--app-health-threshold", "0"], _ => null).AppHealthCheck;

        Assert.Equal(new AppHealthCheckOptions("/healthz", TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(500), 3), defaults);
        Assert.Equal(new AppHealthCheckOptions("/livez", TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(900), 3), set);
        Assert.Null(SidecarOptions.Parse(["--app-id", "a", "--app-health-check-path", "/x"], _ => null).AppHealthCheck);
        Assert.Null(SidecarOptions.Parse(["--app-id", "a", "--enable-app-health-check=false"], _ => null).AppHealthCheck);
        Assert.Throws<ArgumentException>(() => SidecarOptions.Parse(["--app-id", "a", "--app-health-probe-interval", "1", "--app-health-probe-timeout", "1500"], _ => null));
    }
}
