using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using StackExchange.Redis;

namespace Sidecar.Tests;

public sealed class DeliveryTests(RedisFixture redis)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static Task<IResult> Answer(int status, string? body = null) =>
        Task.FromResult(body is null ? Results.StatusCode(status) : Results.Text(body, "application/json", statusCode: status));

    private async Task<long> PendingAsync(string topic, string group) =>
        (await redis.Db.StreamPendingAsync(topic, group)).PendingMessageCount;

    private static string ConstantRetry(int maxRetries) => $"""
        policy: constant
        duration: 50ms
        maxRetries: {maxRetries}
        """;

    [Fact]
    public async Task Consumer_group_is_named_after_the_app_id_and_created_from_id_0()
    {
        redis.Require();
        var topic = Sidecars.NewName("grp");
        await redis.Db.StreamAddAsync(topic, "data", "{}");
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], (_, _) => Answer(200));
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Real(redis.Endpoint), app.Port);

        var groups = await redis.Db.StreamGroupInfoAsync(topic);

        Assert.Equal("proxy", Assert.Single(groups).Name);
        // Created at id 0: the entry written before the sidecar started is delivered too.
        await app.WaitForDeliveriesAsync(1, Wait);
    }

    [Fact]
    public async Task ConsumerID_templates_use_POD_NAME()
    {
        redis.Require();
        var topic = Sidecars.NewName("pod");
        var resources = Resources.Write(redis.Endpoint, new Dictionary<string, string> { ["consumerID"] = "{appID}-{podName}" });
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], (_, _) => Answer(200));
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port, environment: new Dictionary<string, string> { ["POD_NAME"] = "proxy-7f9c" });

        var groups = await redis.Db.StreamGroupInfoAsync(topic);

        Assert.Equal("proxy-proxy-7f9c", Assert.Single(groups).Name);
    }

    [Fact]
    public async Task Delivery_posts_the_cloud_event_with_traceparent_and_acks_on_success()
    {
        redis.Require();
        var topic = Sidecars.NewName("deliver");
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/orders/in")], (_, _) => Answer(200, """{"status":"SUCCESS"}"""));
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Real(redis.Endpoint), app.Port);
        using var client = Sidecars.Client(sidecar);

        await client.PublishEventAsync("pubsub", topic, new Ping("hi"), TestContext.Current.CancellationToken);
        var delivery = (await app.WaitForDeliveriesAsync(1, Wait)).Single();

        Assert.Equal("/orders/in", delivery.Path);
        Assert.StartsWith("application/cloudevents+json", delivery.ContentType, StringComparison.Ordinal);
        Assert.Equal("hi", delivery.Json.GetProperty("data").GetProperty("text").GetString());
        var eventTrace = delivery.Json.GetProperty("traceparent").GetString()!;
        var traceId = eventTrace.Split('-')[1];
        Assert.Contains($"-{traceId}-", delivery.Headers["traceparent"], StringComparison.Ordinal);
        await Sidecars.WaitUntilAsync(async () => await PendingAsync(topic, "proxy") == 0, Wait, "XACK");
        Assert.Single(app.Deliveries);
    }

    [Fact]
    public async Task RETRY_is_retried_per_inbound_policy_then_dead_lettered_and_acked()
    {
        redis.Require();
        var topic = Sidecars.NewName("retry");
        var deadLetter = topic + "-dlq";
        var resources = Resources.Write(redis.Endpoint, inboundRetry: ConstantRetry(2));
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in", deadLetter)], (_, _) => Answer(200, """{"status":"RETRY"}"""));
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port);
        using var client = Sidecars.Client(sidecar);

        await client.PublishEventAsync("pubsub", topic, new Ping("again"), TestContext.Current.CancellationToken);
        await Sidecars.WaitUntilAsync(async () => await redis.Db.StreamLengthAsync(deadLetter) == 1, Wait, "the dead-letter entry");

        Assert.Equal(3, app.Deliveries.Count());
        var original = (await redis.Db.StreamRangeAsync(topic)).Single()["data"].ToString();
        Assert.Equal(original, (await redis.Db.StreamRangeAsync(deadLetter)).Single()["data"].ToString());
        await Sidecars.WaitUntilAsync(async () => await PendingAsync(topic, "proxy") == 0, Wait, "XACK");
        await Sidecars.WaitForOwnLogAsync(sidecar, "Dead-lettered", Wait);
    }

    [Fact]
    public async Task Without_an_inbound_policy_a_failure_goes_to_the_dead_letter_topic_at_once()
    {
        redis.Require();
        var topic = Sidecars.NewName("noretry");
        var deadLetter = topic + "-dlq";
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in", deadLetter)], (_, _) => Answer(500));
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Write(redis.Endpoint), app.Port);
        using var client = Sidecars.Client(sidecar);

        await client.PublishEventAsync("pubsub", topic, new Ping("x"), TestContext.Current.CancellationToken);
        await Sidecars.WaitUntilAsync(async () => await redis.Db.StreamLengthAsync(deadLetter) == 1, Wait, "the dead-letter entry");

        Assert.Single(app.Deliveries);
    }

    [Fact]
    public async Task DROP_is_not_retried_and_goes_to_the_dead_letter_topic()
    {
        redis.Require();
        var topic = Sidecars.NewName("drop");
        var deadLetter = topic + "-dlq";
        var resources = Resources.Write(redis.Endpoint, inboundRetry: ConstantRetry(5));
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in", deadLetter)], (_, _) => Answer(200, """{"status":"DROP"}"""));
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port);
        using var client = Sidecars.Client(sidecar);

        await client.PublishEventAsync("pubsub", topic, new Ping("x"), TestContext.Current.CancellationToken);
        await Sidecars.WaitUntilAsync(async () => await redis.Db.StreamLengthAsync(deadLetter) == 1, Wait, "the dead-letter entry");
        await Sidecars.WaitUntilAsync(async () => await PendingAsync(topic, "proxy") == 0, Wait, "XACK");

        Assert.Single(app.Deliveries);
        await Sidecars.WaitForOwnLogAsync(sidecar, "Dropped event", Wait);
    }

    [Fact]
    public async Task Not_found_is_logged_and_dropped_without_retry()
    {
        redis.Require();
        var topic = Sidecars.NewName("404");
        var resources = Resources.Write(redis.Endpoint, inboundRetry: ConstantRetry(5));
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], (_, _) => Answer(404));
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port);
        using var client = Sidecars.Client(sidecar);

        await client.PublishEventAsync("pubsub", topic, new Ping("x"), TestContext.Current.CancellationToken);
        await Sidecars.WaitUntilAsync(async () => app.Deliveries.Any() && await PendingAsync(topic, "proxy") == 0, Wait, "XACK");
        await Sidecars.WaitForOwnLogAsync(sidecar, "status code 404", Wait);

        Assert.Single(app.Deliveries);
    }

    [Fact]
    public async Task Server_errors_and_unreadable_statuses_are_retried_until_success()
    {
        redis.Require();
        var topic = Sidecars.NewName("500");
        var resources = Resources.Write(redis.Endpoint, inboundRetry: ConstantRetry(-1));
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], (_, attempt) => attempt switch
        {
            1 => Answer(500),
            2 => Answer(503),
            3 => Answer(200, """{"status":"MAYBE"}"""),
            _ => Answer(204),
        });
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port);
        using var client = Sidecars.Client(sidecar);

        await client.PublishEventAsync("pubsub", topic, new Ping("x"), TestContext.Current.CancellationToken);
        await app.WaitForDeliveriesAsync(4, Wait);
        await Sidecars.WaitUntilAsync(async () => await PendingAsync(topic, "proxy") == 0, Wait, "XACK");

        Assert.Equal(4, app.Deliveries.Count());
        Assert.True(Sidecars.OwnLogHas(sidecar, l => l.Contains("Retry 3 of event", StringComparison.Ordinal)));
    }

    // A handler that never answers: it returns only once the sidecar drops the request.
    private static async Task<IResult> Hang(AppRequest request)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, request.Aborted);
        }
        catch (OperationCanceledException)
        {
        }
        return Results.Ok();
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/runtime/subscription/subscription.go (each delivery runs under
    /// ComponentInboundPolicy) and pkg/resiliency/policy.go NewRunnerWithOptions (each attempt under its own
    /// context.WithTimeout; on expiry the attempt fails with ctx.Err() and the retry policy goes on).
    /// </summary>
    [Fact]
    public async Task A_handler_that_outlives_the_inbound_timeout_is_cancelled_and_delivered_again()
    {
        redis.Require();
        var topic = Sidecars.NewName("hang");
        var deadLetter = topic + "-dlq";
        var resources = Resources.Write(redis.Endpoint, inboundRetry: ConstantRetry(3), inboundTimeout: "1s");
        var clock = Stopwatch.StartNew();
        var received = new List<TimeSpan>();
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in", deadLetter)], (request, attempt) =>
        {
            lock (received)
            {
                received.Add(clock.Elapsed);
            }
            return attempt == 1 ? Hang(request) : Answer(200);
        });
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port);
        using var client = Sidecars.Client(sidecar);

        await client.PublishEventAsync("pubsub", topic, new Ping("slow"), TestContext.Current.CancellationToken);
        await app.WaitForDeliveriesAsync(2, Wait);
        await Sidecars.WaitForOwnLogAsync(sidecar, "on attempt 2", Wait);
        await Sidecars.WaitUntilAsync(async () => await PendingAsync(topic, "proxy") == 0, Wait, "XACK");

        Assert.Equal(2, app.Deliveries.Count());
        Assert.Equal(1, app.AbortedDeliveries);
        Assert.InRange((received[1] - received[0]).TotalSeconds, 0.9, 10);
        Assert.True(Sidecars.OwnLogHas(sidecar, l => l.Contains("Retry 1 of event", StringComparison.Ordinal) && l.Contains("context deadline exceeded", StringComparison.Ordinal)));
        Assert.False(await redis.Db.KeyExistsAsync(deadLetter));
    }

    /// <summary>
    /// pkg/resiliency/policy.go (a timed-out attempt counts as a failed one) and
    /// pkg/runtime/subscription/subscription.go (retries exhausted: the entry goes to the dead-letter topic).
    /// </summary>
    [Fact]
    public async Task When_every_attempt_times_out_the_event_goes_to_the_dead_letter_topic()
    {
        redis.Require();
        var topic = Sidecars.NewName("hangdlq");
        var deadLetter = topic + "-dlq";
        var resources = Resources.Write(redis.Endpoint, inboundRetry: ConstantRetry(2), inboundTimeout: "300ms");
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in", deadLetter)], (request, _) => Hang(request));
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port);

        // Another app published it: this one may publish only weather-responses.
        await redis.Db.StreamAddAsync(topic, "data", """{"id":"e1","specversion":"1.0","type":"t","source":"s","data":"stuck"}""");
        await Sidecars.WaitUntilAsync(async () => await redis.Db.StreamLengthAsync(deadLetter) == 1, Wait, "the dead-letter entry");

        Assert.Equal(3, app.Deliveries.Count());
        Assert.True(Sidecars.OwnLogHas(sidecar, l => l.Contains("failed after 3 attempt(s): context deadline exceeded", StringComparison.Ordinal)));
        await Sidecars.WaitUntilAsync(() => Task.FromResult(app.AbortedDeliveries == 3), Wait, "three cancelled deliveries");
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/runtime/channels/channels.go appHTTPClient (an http.Client without Timeout) and
    /// pkg/resiliency/policy.go (a timeout applies only when the policy has one, def.t > 0).
    /// </summary>
    [Fact]
    public async Task Without_an_inbound_timeout_a_slow_handler_is_not_cut_off()
    {
        redis.Require();
        var topic = Sidecars.NewName("slow");
        var resources = Resources.Write(redis.Endpoint, inboundRetry: ConstantRetry(3));
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], async (request, _) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3), request.Aborted);
            return Results.Ok();
        });
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port);
        using var client = Sidecars.Client(sidecar);

        await client.PublishEventAsync("pubsub", topic, new Ping("slow"), TestContext.Current.CancellationToken);
        await app.WaitForDeliveriesAsync(1, Wait);
        await Sidecars.WaitForOwnLogAsync(sidecar, "on attempt 1", Wait);
        await Sidecars.WaitUntilAsync(async () => await PendingAsync(topic, "proxy") == 0, Wait, "XACK");

        Assert.Single(app.Deliveries);
        Assert.Equal(0, app.AbortedDeliveries);
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/runtime/channels/channels.go appHTTPClient (CheckRedirect answers
    /// http.ErrUseLastResponse: a redirect is returned, not followed) and
    /// pkg/runtime/subscription/postman/http/http.go (a status outside 2xx and 404 is a retriable error).
    /// </summary>
    [Fact]
    public async Task A_redirect_from_the_app_is_a_failed_delivery_not_followed()
    {
        redis.Require();
        var topic = Sidecars.NewName("redirect");
        var deadLetter = topic + "-dlq";
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in", deadLetter)], (request, _) =>
            Task.FromResult(request.Path == "/in" ? Results.Redirect("/elsewhere", permanent: false, preserveMethod: true) : Results.Ok()));
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Write(redis.Endpoint), app.Port);
        using var client = Sidecars.Client(sidecar);

        await client.PublishEventAsync("pubsub", topic, new Ping("x"), TestContext.Current.CancellationToken);
        await Sidecars.WaitUntilAsync(async () => await redis.Db.StreamLengthAsync(deadLetter) == 1, Wait, "the dead-letter entry");

        Assert.Equal("/in", Assert.Single(app.Deliveries).Path);
        Assert.True(Sidecars.OwnLogHas(sidecar, l => l.Contains("status code 307", StringComparison.Ordinal)));
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/channel/http/http_channel.go invokeMethodV1: the send on the
    /// --app-max-concurrency channel happens inside postman.Deliver, so inside the timed attempt of
    /// pkg/resiliency/policy.go. Four 500ms deliveries through one slot under a 1.2s timeout: the ones
    /// that wait too long time out and are delivered again; were the wait outside the timeout, no attempt
    /// would exceed 500ms and the app would see exactly four deliveries.
    /// </summary>
    [Fact]
    public async Task The_inbound_timeout_covers_the_wait_for_an_app_max_concurrency_slot()
    {
        SidecarUnderTest.Current.SkipIfDaprd("it counts successful deliveries in the test sidecar's own log (the app cannot tell an abandoned call from a successful one).");
        redis.Require();
        var topic = Sidecars.NewName("slot");
        var resources = Resources.Write(redis.Endpoint, inboundRetry: """
            policy: constant
            duration: 100ms
            """, inboundTimeout: "1200ms");
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], async (request, _) =>
        {
            try
            {
                await Task.Delay(500, request.Aborted);
            }
            catch (OperationCanceledException)
            {
            }
            return Results.Ok();
        });
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port, ["--app-max-concurrency", "1"]);
        using var client = Sidecars.Client(sidecar);

        for (var i = 0; i < 4; i++)
        {
            await client.PublishEventAsync("pubsub", topic, new Ping($"{i}"), TestContext.Current.CancellationToken);
        }
        await Sidecars.WaitUntilAsync(() => Task.FromResult(sidecar.Output.Count(l => l.Contains("Delivered event", StringComparison.Ordinal)) == 4), TimeSpan.FromSeconds(30), "four successful deliveries");

        Assert.True(app.Deliveries.Count() > 4, $"{app.Deliveries.Count()} deliveries");
        Assert.True(Sidecars.OwnLogHas(sidecar, l => l.Contains("context deadline exceeded", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task App_max_concurrency_caps_deliveries_in_flight_across_subscriptions()
    {
        redis.Require();
        var first = Sidecars.NewName("conc-a");
        var second = Sidecars.NewName("conc-b");
        await using var app = await TestApp.StartAsync(
            [Sidecars.Subscription(first, "/a"), Sidecars.Subscription(second, "/b")],
            async (_, _) =>
            {
                await Task.Delay(150);
                return Results.Ok();
            });
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Real(redis.Endpoint), app.Port, ["--app-max-concurrency", "2"]);
        using var client = Sidecars.Client(sidecar);

        for (var i = 0; i < 6; i++)
        {
            await client.PublishEventAsync("pubsub", first, new Ping($"a{i}"), TestContext.Current.CancellationToken);
            await client.PublishEventAsync("pubsub", second, new Ping($"b{i}"), TestContext.Current.CancellationToken);
        }
        await app.WaitForDeliveriesAsync(12, Wait);

        Assert.Equal(2, app.MaxConcurrentDeliveries);
    }

    [Fact]
    public async Task Without_app_max_concurrency_the_component_concurrency_applies()
    {
        redis.Require();
        var topic = Sidecars.NewName("conc");
        var resources = Resources.Write(redis.Endpoint, new Dictionary<string, string> { ["concurrency"] = "4" });
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], async (_, _) =>
        {
            await Task.Delay(200);
            return Results.Ok();
        });
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port);
        using var client = Sidecars.Client(sidecar);

        for (var i = 0; i < 12; i++)
        {
            await client.PublishEventAsync("pubsub", topic, new Ping($"{i}"), TestContext.Current.CancellationToken);
        }
        await app.WaitForDeliveriesAsync(12, Wait);

        Assert.Equal(4, app.MaxConcurrentDeliveries);
    }

    [Fact]
    public async Task A_dead_consumers_pending_entry_is_reclaimed_after_processingTimeout()
    {
        redis.Require();
        var topic = Sidecars.NewName("reclaim");
        // A consumer of the group read the entry and died before acknowledging it.
        await redis.Db.StreamCreateConsumerGroupAsync(topic, "proxy", "0", createStream: true);
        await redis.Db.StreamAddAsync(topic, "data", """{"id":"e1","specversion":"1.0","type":"t","source":"s","datacontenttype":"application/json","data":{"text":"orphan"}}""");
        var taken = await redis.Db.StreamReadGroupAsync(topic, "proxy", "proxy", ">", 10);
        Assert.Single(taken);
        var resources = Resources.Write(redis.Endpoint, new Dictionary<string, string> { ["processingTimeout"] = "1s", ["redeliverInterval"] = "300" });
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], (_, _) => Answer(200));
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port);

        var delivery = (await app.WaitForDeliveriesAsync(1, Wait)).Single();

        Assert.Equal("orphan", delivery.Json.GetProperty("data").GetProperty("text").GetString());
        await Sidecars.WaitUntilAsync(async () => await PendingAsync(topic, "proxy") == 0, Wait, "XACK");
        await Sidecars.WaitForOwnLogAsync(sidecar, "Reclaimed pending entry", Wait);
    }

    [Fact]
    public async Task Redelivery_disabled_leaves_a_dead_consumers_entry_pending()
    {
        redis.Require();
        var topic = Sidecars.NewName("noreclaim");
        await redis.Db.StreamCreateConsumerGroupAsync(topic, "proxy", "0", createStream: true);
        await redis.Db.StreamAddAsync(topic, "data", """{"id":"e1","specversion":"1.0","type":"t","source":"s","data":"x"}""");
        await redis.Db.StreamReadGroupAsync(topic, "proxy", "proxy", ">", 10);
        var resources = Resources.Write(redis.Endpoint, new Dictionary<string, string> { ["processingTimeout"] = "200ms", ["redeliverInterval"] = "0" });
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], (_, _) => Answer(200));
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port);

        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);

        Assert.Empty(app.Deliveries);
        Assert.Equal(1, await PendingAsync(topic, "proxy"));
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/runtime/subscription/subscription.go sendToDeadLetter: the dead-letter publish is
    /// detached from the handler context's deadline (context.WithoutCancel, then deadLetterPublishTimeout of
    /// 30s), so after components-contrib's processingTimeout has expired (v1.18.4 pubsub/redis/redis.go
    /// processMessage: context.WithTimeout(processingTimeout)) it still succeeds; the handler then returns nil
    /// and the entry is acknowledged. (The delivery itself runs under context.Background(): processingTimeout
    /// does not cut it off.)
    /// </summary>
    [Fact]
    public async Task A_dead_letter_publish_after_processingTimeout_succeeds_and_the_entry_is_acked()
    {
        redis.Require();
        var topic = Sidecars.NewName("dllate");
        var deadLetter = topic + "-dlq";
        var resources = Resources.Write(redis.Endpoint, new Dictionary<string, string> { ["processingTimeout"] = "1000", ["redeliverInterval"] = "60000" });
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in", deadLetter)], async (_, _) =>
        {
            await Task.Delay(1500);
            return Results.StatusCode(500);
        });
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port);
        using var client = Sidecars.Client(sidecar);

        await client.PublishEventAsync("pubsub", topic, new Ping("late"), TestContext.Current.CancellationToken);
        await Sidecars.WaitUntilAsync(async () => await redis.Db.StreamLengthAsync(deadLetter) == 1, Wait, "the dead-letter entry");
        await Sidecars.WaitUntilAsync(async () => await PendingAsync(topic, "proxy") == 0, Wait, "XACK");

        Assert.Single(app.Deliveries);
        Assert.Equal(0, app.AbortedDeliveries);
    }

    /// <summary>
    /// components-contrib v1.18.4 pubsub/redis/redis.go processMessage: when the handler fails with its
    /// processingTimeout context expired (here the dead-letter publish is refused: the topic is outside the
    /// app's publishingScopes) the entry is not acknowledged; it stays pending for the reclaim.
    /// </summary>
    [Fact]
    public async Task A_failed_dead_letter_publish_after_processingTimeout_leaves_the_entry_pending()
    {
        redis.Require();
        var topic = Sidecars.NewName("dlfail");
        var deadLetter = topic + "-dlq";
        var resources = Resources.Write(redis.Endpoint, new Dictionary<string, string>
        {
            ["processingTimeout"] = "1000",
            ["redeliverInterval"] = "60000",
            ["publishingScopes"] = "proxy=weather-responses",
        });
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in", deadLetter)], async (_, _) =>
        {
            await Task.Delay(1500);
            return Results.StatusCode(500);
        });
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port);

        // Another app published it: this one may publish only weather-responses.
        await redis.Db.StreamAddAsync(topic, "data", """{"id":"e1","specversion":"1.0","type":"t","source":"s","data":"stuck"}""");
        await sidecar.WaitForOutputAsync("left pending (processing timeout elapsed)", Wait, TestContext.Current.CancellationToken);

        Assert.Equal(1, await PendingAsync(topic, "proxy"));
        Assert.False(await redis.Db.KeyExistsAsync(deadLetter));
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/runtime/subscription/subscription.go: once Stop has marked the subscription
    /// closed (pubsub.redis is not a PausableSubscriber, so at once), a failed delivery waits for the handler
    /// context and returns its error instead of going to the dead-letter topic, and components-contrib
    /// v1.18.4 pubsub/redis/redis.go processMessage does not acknowledge it: the entry stays pending.
    /// </summary>
    [Fact]
    public async Task A_delivery_failing_while_the_sidecar_stops_is_neither_dead_lettered_nor_acked()
    {
        redis.Require();
        var topic = Sidecars.NewName("dlstop");
        var deadLetter = topic + "-dlq";
        var started = new TaskCompletionSource();
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in", deadLetter)], async (_, _) =>
        {
            started.TrySetResult();
            await Task.Delay(1500);
            return Results.StatusCode(500);
        });
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Write(redis.Endpoint), app.Port);
        using var client = Sidecars.Client(sidecar);

        await client.PublishEventAsync("pubsub", topic, new Ping("x"), TestContext.Current.CancellationToken);
        await started.Task.WaitAsync(Wait, TestContext.Current.CancellationToken);
        await sidecar.StopAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(0, sidecar.ExitCode);
        Assert.Single(app.Deliveries);
        Assert.False(await redis.Db.KeyExistsAsync(deadLetter));
        Assert.Equal(1, await PendingAsync(topic, "proxy"));
    }

    [Fact]
    public async Task APP_API_TOKEN_is_sent_to_the_app_on_every_call()
    {
        redis.Require();
        var topic = Sidecars.NewName("apptoken");
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], (_, _) => Answer(200));
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Real(redis.Endpoint), app.Port, environment: new Dictionary<string, string> { ["APP_API_TOKEN"] = "app-secret" });
        using var client = Sidecars.Client(sidecar);

        await client.PublishEventAsync("pubsub", topic, new Ping("x"), TestContext.Current.CancellationToken);
        await app.WaitForDeliveriesAsync(1, Wait);

        Assert.All(app.Requests, r => Assert.Equal("app-secret", r.Headers.GetValueOrDefault("dapr-api-token")));
        Assert.Contains(app.Requests, r => r.Path == "/dapr/subscribe");
    }

    [Fact]
    public async Task Sigterm_lets_a_delivery_in_flight_finish_and_acknowledges_it()
    {
        redis.Require();
        var topic = Sidecars.NewName("drain");
        var started = new TaskCompletionSource();
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], async (_, _) =>
        {
            started.TrySetResult();
            await Task.Delay(1000);
            return Results.Ok();
        });
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Real(redis.Endpoint), app.Port);
        using var client = Sidecars.Client(sidecar);

        await client.PublishEventAsync("pubsub", topic, new Ping("x"), TestContext.Current.CancellationToken);
        await started.Task.WaitAsync(Wait, TestContext.Current.CancellationToken);
        await sidecar.StopAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(0, sidecar.ExitCode);
        Assert.Equal(0, await PendingAsync(topic, "proxy"));
    }

    [Fact]
    public async Task A_rawPayload_subscription_gets_the_stored_bytes_base64_in_a_new_envelope()
    {
        redis.Require();
        var topic = Sidecars.NewName("rawsub");
        byte[] stored = [0x00, 0xff, .. "not a cloud event {"u8];
        const string traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        await redis.Db.StreamAddAsync(topic, [new NameValueEntry("data", stored), new NameValueEntry("metadata", $$"""{"traceparent":"{{traceParent}}"}""")]);
        var subscription = new { pubsubname = "pubsub", topic, route = "/raw", metadata = new Dictionary<string, string> { ["rawPayload"] = "true" } };
        await using var app = await TestApp.StartAsync([subscription], (_, _) => Answer(200));
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Real(redis.Endpoint), app.Port);

        var delivery = (await app.WaitForDeliveriesAsync(1, Wait)).Single();

        Assert.StartsWith("application/cloudevents+json", delivery.ContentType, StringComparison.Ordinal);
        var ce = delivery.Json;
        Assert.Equal(stored, Convert.FromBase64String(ce.GetProperty("data_base64").GetString()!));
        Assert.Equal("application/octet-stream", ce.GetProperty("datacontenttype").GetString());
        Assert.True(Guid.TryParse(ce.GetProperty("id").GetString(), out _));
        Assert.Equal("Dapr", ce.GetProperty("source").GetString());
        Assert.Equal("com.dapr.event.sent", ce.GetProperty("type").GetString());
        Assert.Equal("1.0", ce.GetProperty("specversion").GetString());
        Assert.Equal(topic, ce.GetProperty("topic").GetString());
        Assert.Equal("pubsub", ce.GetProperty("pubsubname").GetString());
        Assert.Equal(traceParent, ce.GetProperty("traceparent").GetString());
        Assert.Equal(traceParent, ce.GetProperty("traceid").GetString());
        Assert.False(ce.TryGetProperty("data", out _));
        Assert.Contains("-4bf92f3577b34da6a3ce929d0e0e4736-", delivery.Headers["traceparent"], StringComparison.Ordinal);
        await Sidecars.WaitUntilAsync(async () => await PendingAsync(topic, "proxy") == 0, Wait, "XACK");
    }

    [Fact]
    public async Task A_cloud_event_on_a_rawPayload_subscription_is_wrapped_as_well()
    {
        redis.Require();
        var topic = Sidecars.NewName("rawce");
        var subscription = new { pubsubname = "pubsub", topic, route = "/raw", metadata = new Dictionary<string, string> { ["rawPayload"] = "true" } };
        await using var app = await TestApp.StartAsync([subscription], (_, _) => Answer(200));
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Real(redis.Endpoint), app.Port);
        using var client = Sidecars.Client(sidecar);

        await client.PublishEventAsync("pubsub", topic, new Ping("hi"), TestContext.Current.CancellationToken);
        var delivery = (await app.WaitForDeliveriesAsync(1, Wait)).Single();

        var inner = JsonDocument.Parse(Convert.FromBase64String(delivery.Json.GetProperty("data_base64").GetString()!)).RootElement;
        Assert.Equal("hi", inner.GetProperty("data").GetProperty("text").GetString());
        Assert.NotEqual(inner.GetProperty("id").GetString(), delivery.Json.GetProperty("id").GetString());
    }

    [Fact]
    public async Task An_entry_that_is_not_a_cloud_event_goes_to_the_dead_letter_topic_without_calling_the_app()
    {
        redis.Require();
        var topic = Sidecars.NewName("poison");
        var deadLetter = topic + "-dlq";
        await redis.Db.StreamAddAsync(topic, "data", "not json {");
        var resources = Resources.Write(redis.Endpoint, inboundRetry: ConstantRetry(5));
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in", deadLetter)], (_, _) => Answer(200));
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port);

        await Sidecars.WaitUntilAsync(async () => await redis.Db.StreamLengthAsync(deadLetter) == 1, Wait, "the dead-letter entry");
        await Sidecars.WaitUntilAsync(async () => await PendingAsync(topic, "proxy") == 0, Wait, "XACK");

        // daprd: no inbound retry (the app is never called); the entry's data goes on unchanged.
        Assert.Equal("not json {", (await redis.Db.StreamRangeAsync(deadLetter)).Single()["data"].ToString());
        Assert.Empty(app.Deliveries);
    }
}
