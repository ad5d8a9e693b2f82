using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using StackExchange.Redis;

namespace Sidecar.Tests;

/// <summary>
/// What the sidecar does between SIGTERM and its exit, as daprd v1.18.3 does it: see
/// tests/sidecar/Hosting/ShutdownSequence.cs and RedisStreamsPubSub.StopSubscriptionsAsync.
/// </summary>
public sealed class ShutdownTests(RedisFixture redis)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<StreamPendingMessageInfo[]> PendingAsync(string topic, string group) =>
        await redis.Db.StreamPendingMessagesAsync(topic, group, 100, RedisValue.Null);

    private static async Task<HttpStatusCode?> PublishOverHttpAsync(SidecarProcess sidecar, string topic)
    {
        using var http = new HttpClient { BaseAddress = sidecar.HttpEndpoint, Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.PostAsync($"/v1.0/publish/pubsub/{topic}", new StringContent("""{"a":1}""", Encoding.UTF8, "application/json"), Cancel);
            return response.StatusCode;
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
            return null;
        }
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/runtime/subscription/subscription.go Stop: without a Pause on the component
    /// (components-contrib v1.18.4 pubsub/redis has none) the subscription is closed at once; Stop waits
    /// for the deliveries in flight (up to drainMaxDuration) and the handler of an entry the workers pick
    /// up afterwards delivers nothing and returns its context's error, which pubsub/redis/redis.go
    /// processMessage does not XACK. Entries the poll loop never read stay unread for the group.
    /// </summary>
    [Fact]
    public async Task At_SIGTERM_the_delivery_in_flight_is_awaited_and_acked_entries_read_but_not_delivered_stay_pending_and_unread_ones_go_to_the_next_consumer()
    {
        redis.Require();
        var topic = Sidecars.NewName("drainq");
        var ids = new List<RedisValue>();
        for (var i = 1; i <= 8; i++)
        {
            ids.Add(await redis.Db.StreamAddAsync(topic, "data", $$$"""{"id":"e{{{i}}}","data":{"n":{{{i}}}}}"""));
        }
        var release = new TaskCompletionSource();
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], async (_, n) =>
        {
            if (n == 1)
            {
                await release.Task.WaitAsync(Wait);
            }
            return Results.Ok();
        });
        // One worker, a queue of two, reads of two: entry 1 in flight, 2 and 3 queued, 4 read and waiting for room.
        // After SIGTERM the worker takes 2 and holds it undelivered until the drain ends, which makes room for 4,
        // and the poll loop reads 5 and 6 before it stops: 2 to 6 stay pending, 7 and 8 unread.
        var resources = Resources.Write(redis.Endpoint, new Dictionary<string, string> { ["concurrency"] = "1", ["queueDepth"] = "2" });
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port);
        await app.WaitForDeliveriesAsync(1, Wait);
        await Sidecars.WaitUntilAsync(async () => (await PendingAsync(topic, "proxy")).Length == 4, Wait, "four entries read into the pending list");

        await sidecar.TerminateAsync();
        await Task.Delay(500, Cancel);
        release.SetResult();
        await sidecar.WaitForExitAsync(Wait);

        Assert.Equal(0, sidecar.ExitCode);
        Assert.Single(app.Deliveries);
        Assert.Equal(0, app.AbortedDeliveries);
        var pending = (await PendingAsync(topic, "proxy")).Select(p => p.MessageId).ToList();
        Assert.Equal(ids[1..6], pending);

        // The next sidecar of the app id gets the unread entries at once; the pending ones wait for the reclaim.
        await using var next = await Sidecars.StartAsync("proxy", resources, app.Port);
        var deliveries = await app.WaitForDeliveriesAsync(3, Wait);
        Assert.Equal(["e7", "e8"], deliveries.Skip(1).Select(d => d.Json.GetProperty("id").GetString()));
        Assert.Equal(pending, (await PendingAsync(topic, "proxy")).Select(p => p.MessageId));
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/runtime/subscription/subscription.go: a delivery runs under
    /// resiliency.NewRunner(context.Background(), ...), so shutdown does not stop its retries; when it
    /// finally fails with the subscription closed, the handler returns its context's error instead of
    /// publishing to the dead-letter topic, and components-contrib pubsub/redis leaves the entry pending.
    /// </summary>
    [Fact]
    public async Task A_delivery_failing_during_shutdown_keeps_retrying_and_stays_pending_instead_of_being_dead_lettered()
    {
        redis.Require();
        var topic = Sidecars.NewName("failclose");
        var deadLetters = topic + "-dead";
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in", deadLetters)], (_, _) => Task.FromResult(Results.StatusCode(500)));
        var resources = Resources.Write(redis.Endpoint, inboundRetry: """
            policy: constant
            duration: 300ms
            maxRetries: 5
            """);
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port);
        await redis.Db.StreamAddAsync(topic, "data", """{"id":"failing"}""");
        await app.WaitForDeliveriesAsync(1, Wait);

        await sidecar.TerminateAsync();
        await sidecar.WaitForOutputAsync("Dapr is shutting down", Wait, Cancel);
        var attemptsAtSigterm = app.Deliveries.Count();
        await sidecar.WaitForExitAsync(Wait);

        Assert.Equal(0, sidecar.ExitCode);
        Assert.Equal(6, app.Deliveries.Count());
        Assert.True(attemptsAtSigterm < 6, $"{attemptsAtSigterm} attempts before SIGTERM");
        Assert.Equal(0, await redis.Db.StreamLengthAsync(deadLetters));
        Assert.Single(await PendingAsync(topic, "proxy"));
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/runtime/runtime.go Run: with --dapr-block-shutdown-duration a runner waits
    /// for the signal, stops every app subscription (StopAllSubscriptionsForever) and then blocks for the
    /// duration while the manager's other runners, the API servers among them, keep running: publishes
    /// are served, but nothing is delivered any more.
    /// </summary>
    [Fact]
    public async Task With_a_shutdown_block_the_publish_API_answers_during_the_block_and_nothing_more_is_delivered()
    {
        redis.Require();
        var topic = Sidecars.NewName("block");
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], (_, _) => Task.FromResult(Results.Ok()));
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Real(redis.Endpoint), app.Port, ["--dapr-block-shutdown-duration", "4s"]);

        await sidecar.TerminateAsync();
        await sidecar.WaitForOutputAsync("Blocking graceful shutdown", Wait, Cancel);
        var status = await PublishOverHttpAsync(sidecar, topic);

        Assert.Equal(HttpStatusCode.NoContent, status);
        Assert.False(sidecar.HasExited);
        Assert.Equal(1, await redis.Db.StreamLengthAsync(topic));
        await sidecar.WaitForExitAsync(Wait);
        Assert.Equal(0, sidecar.ExitCode);
        Assert.Contains(sidecar.Output, l => l.Contains("Block shutdown period expired, entering shutdown...", StringComparison.Ordinal));
        Assert.Empty(app.Deliveries);
        Assert.Single(await PendingAsync(topic, "proxy"));
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/runtime/runtime.go New: without a block the signal cancels the runners at
    /// once, and the gRPC API server's runner closes it (pkg/api/grpc/server.go Close, GracefulStop);
    /// the HTTP server is a closer that runs beside the components' close (pkg/api/http/server.go
    /// Close), so the API is gone while the subscriptions still drain.
    /// </summary>
    [Fact]
    public async Task Without_a_shutdown_block_the_API_closes_at_SIGTERM_while_the_delivery_in_flight_drains()
    {
        redis.Require();
        var topic = Sidecars.NewName("noblock");
        var release = new TaskCompletionSource();
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], async (_, _) =>
        {
            await release.Task.WaitAsync(Wait);
            return Results.Ok();
        });
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Real(redis.Endpoint), app.Port);
        await redis.Db.StreamAddAsync(topic, "data", """{"id":"x"}""");
        await app.WaitForDeliveriesAsync(1, Wait);

        await sidecar.TerminateAsync();
        await Sidecars.WaitUntilAsync(async () => await PublishOverHttpAsync(sidecar, topic) is null, Wait, "the HTTP API to refuse connections");

        Assert.False(sidecar.HasExited);
        release.SetResult();
        await sidecar.WaitForExitAsync(Wait);
        Assert.Equal(0, sidecar.ExitCode);
        Assert.Empty(await PendingAsync(topic, "proxy"));
    }

    /// <summary>
    /// dapr/kit concurrency/closer.go NewRunnerCloserManager: the grace period
    /// (--dapr-graceful-shutdown-seconds) bounds the closers; when it expires log.Fatal exits with code
    /// 1. The delivery still in flight then was never acknowledged: its entry stays pending.
    /// </summary>
    [Fact]
    public async Task A_delivery_outlasting_the_grace_period_ends_in_exit_code_1_and_its_entry_stays_pending()
    {
        redis.Require();
        var topic = Sidecars.NewName("grace");
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], async (_, _) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(20));
            return Results.Ok();
        });
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Real(redis.Endpoint), app.Port, ["--dapr-graceful-shutdown-seconds", "1"]);
        await redis.Db.StreamAddAsync(topic, "data", """{"id":"slow"}""");
        await app.WaitForDeliveriesAsync(1, Wait);

        await sidecar.TerminateAsync();
        await sidecar.WaitForExitAsync(Wait);

        Assert.Equal(1, sidecar.ExitCode);
        Assert.Contains(sidecar.Output, l => l.Contains("Graceful shutdown timeout exceeded, forcing shutdown", StringComparison.Ordinal));
        Assert.Single(await PendingAsync(topic, "proxy"));
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/runtime/runtime.go Run and appHealthChanged: the block waits for its
    /// duration or for isAppHealthy to close, which the app health check does when the app turns
    /// unhealthy (pkg/apphealth/health.go). The probes go on during the block.
    /// </summary>
    [Fact]
    public async Task A_shutdown_block_ends_when_the_app_health_check_finds_the_app_unhealthy()
    {
        redis.Require();
        var topic = Sidecars.NewName("blockhealth");
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], (_, _) => Task.FromResult(Results.Ok()));
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Real(redis.Endpoint), app.Port,
            ["--dapr-block-shutdown-duration", "300s", "--enable-app-health-check", "--app-health-probe-interval", "1", "--app-health-threshold", "1"]);
        await sidecar.WaitForOutputAsync("App entered healthy status", Wait, Cancel);

        await sidecar.TerminateAsync();
        await sidecar.WaitForOutputAsync("Blocking graceful shutdown", Wait, Cancel);
        // Healthy: the block holds (two more probes pass meanwhile).
        await Task.Delay(TimeSpan.FromSeconds(2.5), Cancel);
        Assert.False(sidecar.HasExited, "the block ended while the app was healthy");
        app.Health = _ => 500;
        await sidecar.WaitForExitAsync(Wait);

        Assert.Equal(0, sidecar.ExitCode);
        Assert.Contains(sidecar.Output, l => l.Contains("App reported unhealthy, entering shutdown...", StringComparison.Ordinal));
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/runtime/runtime.go: isAppHealthy is created closed and only replaced by an
    /// open channel when the app is first reported healthy (appHealthChanged, after init); a block that
    /// starts before that ends at once ("App reported unhealthy").
    /// </summary>
    [Fact]
    public async Task A_shutdown_block_ends_at_once_when_the_app_never_became_ready()
    {
        redis.Require();
        var appPort = FreePort.Next();
        await using var sidecar = await SidecarProcess.StartAsync(
            ["--app-id", "proxy", "--resources-path", Resources.Real(redis.Endpoint), "--app-port", appPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--dapr-block-shutdown-duration", "300s"],
            cancellationToken: Cancel, waitUntilHealthy: false);
        await sidecar.WaitForOutputAsync("Waiting for the app", Wait, Cancel);

        await sidecar.TerminateAsync();
        await sidecar.WaitForExitAsync(Wait);

        Assert.Equal(0, sidecar.ExitCode);
        Assert.Contains(sidecar.Output, l => l.Contains("App reported unhealthy, entering shutdown...", StringComparison.Ordinal));
    }
}
