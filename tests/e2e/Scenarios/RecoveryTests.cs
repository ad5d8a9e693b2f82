using System.Net;
using RedisStreamDemo.Stack;

namespace EndToEnd.Tests.Scenarios;

/// <summary>Terminals slow enough (300 ms) that requests are still in flight when a process goes away.</summary>
public sealed class SlowProxyWorkflowStack() : StackFixture(CorrelationMode.Workflow, TimeSpan.FromMilliseconds(300));

/// <inheritdoc cref="SlowProxyWorkflowStack"/>
public sealed class SlowProxyDirectStack() : StackFixture(CorrelationMode.Direct, TimeSpan.FromMilliseconds(300));

public abstract class RecoveryScenarios(StackFixture system)
{
    protected static readonly TimeSpan CompletionTimeout = TimeSpan.FromSeconds(90);

    protected StackFixture System => system;

    [Fact(Timeout = 180_000)]
    public async Task Requests_accepted_while_the_proxy_is_down_wait_in_the_stream_and_are_all_answered_once_when_it_returns()
    {
        var stack = system.Stack;
        await stack.StopAppAsync(DaprNames.AppIds.Proxy);
        try
        {
            var lengthBefore = await system.Redis.StreamLengthAsync(DaprNames.Topics.WeatherRequests);
            var cities = Enumerable.Range(0, 12).Select(i => CityNames.Named(i, "Outage")).ToList();

            var accepted = await Task.WhenAll(cities.Select(system.Ingress.AcceptAsync));

            await Eventually.Until(
                () => system.Redis.StreamLengthAsync(DaprNames.Topics.WeatherRequests),
                length => length >= lengthBefore + cities.Count,
                TimeSpan.FromSeconds(30),
                "all requests published to the stream while the proxy is down",
                system.Diagnostics);
            using (var early = await system.Http.GetAsync(accepted[0], TestContext.Current.CancellationToken))
            {
                Assert.Equal(HttpStatusCode.Accepted, early.StatusCode);
            }

            await stack.StartAppAsync(DaprNames.AppIds.Proxy, cancellationToken: TestContext.Current.CancellationToken);

            var replies = await Task.WhenAll(accepted.Select(url => system.Ingress.ReplyAtAsync(url, CompletionTimeout)));
            Assert.Equal(cities, replies.Select(r => r.City));
            foreach (var reply in replies)
            {
                var published = await Streams.ForRequestAsync(system.Redis, await system.ReplyTopicOfAsync(reply.RequestId), reply.RequestId);
                Assert.True(published.Count == 1, $"request {reply.RequestId} ({reply.City}) answered {published.Count} times");
            }
        }
        finally
        {
            await EnsureProxyRunsAsync();
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task A_request_redelivered_to_a_restarted_proxy_gets_its_saved_reply_and_is_not_processed_again()
    {
        var stack = system.Stack;
        var cancellationToken = TestContext.Current.CancellationToken;
        var reply = await system.Ingress.ForecastAsync(CityNames.Unique("Saved"), CompletionTimeout);
        var original = Assert.Single(await Streams.ForRequestAsync(system.Redis, DaprNames.Topics.WeatherRequests, reply.RequestId));
        var replyTopic = await system.ReplyTopicOfAsync(reply.RequestId);

        // Where daprd's state.redis keeps it: a hash under "<app-id>||<key>", with an expiry.
        var key = $"{DaprNames.AppIds.Proxy}||{reply.RequestId}";
        var saved = (await system.Redis.HashGetAllAsync(key)).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
        Assert.Contains(reply.RequestId, saved.GetValueOrDefault("data"), StringComparison.Ordinal);
        Assert.True(saved.ContainsKey("version"), $"no version field in {key}: {string.Join(", ", saved.Keys)}");
        Assert.True(await system.Redis.KeyTimeToLiveAsync(key) is { } ttl && ttl > TimeSpan.Zero, $"{key} has no expiry");

        // A crash loses everything the process knew; the reply store keeps the reply.
        await stack.StopAppAsync(DaprNames.AppIds.Proxy, StopSignal.Kill);
        await stack.StartAppAsync(DaprNames.AppIds.Proxy, cancellationToken: cancellationToken);
        await system.Redis.StreamAddAsync(DaprNames.Topics.WeatherRequests, "data", original.Data);

        var published = await Eventually.Until(
            () => Streams.ForRequestAsync(system.Redis, replyTopic, reply.RequestId),
            entries => entries.Count >= 2,
            TimeSpan.FromSeconds(60),
            "the saved reply re-published by the restarted proxy",
            system.Diagnostics);
        Assert.Equal(2, published.Count);
        Assert.All(published.Select(e => e.CloudEvent.GetProperty("data")), data =>
        {
            Assert.Equal(reply.Terminal, data.GetProperty("terminal").GetString());
            Assert.Equal(reply.ProcessedAt, data.GetProperty("processedAt").GetDateTimeOffset());
        });
        Assert.Equal(0, (await Telemetry.TerminalsAsync(system.Http, system.Proxy)).Processed);
    }

    /// <summary>Kills the ingress (SIGKILL, as a crash) and starts it again: a new process.</summary>
    protected async Task KillAndRestartIngressAsync()
    {
        var firstPid = system.Stack[DaprNames.AppIds.Ingress].ProcessId;
        await system.Stack.StopAppAsync(DaprNames.AppIds.Ingress, StopSignal.Kill);
        await system.Stack.StartAppAsync(DaprNames.AppIds.Ingress, cancellationToken: TestContext.Current.CancellationToken);
        Assert.NotEqual(firstPid, system.Stack[DaprNames.AppIds.Ingress].ProcessId);
    }

    /// <summary>For a test that stopped the proxy: the stack is shared by the class's tests.</summary>
    protected async Task EnsureProxyRunsAsync()
    {
        if (!system.Stack[DaprNames.AppIds.Proxy].App.IsRunning)
        {
            await system.Stack.StartAppAsync(DaprNames.AppIds.Proxy, cancellationToken: TestContext.Current.CancellationToken);
        }
    }
}

// Only workflow mode survives this: the wait is durable workflow state, not the process's memory.
public sealed class WorkflowModeRecoveryTests(SlowProxyWorkflowStack system)
    : RecoveryScenarios(system), IClassFixture<SlowProxyWorkflowStack>
{
    [Fact(Timeout = 180_000)]
    public async Task Workflows_resume_after_the_ingress_is_killed_mid_flight()
    {
        var cities = Enumerable.Range(0, 12).Select(i => CityNames.Named(i, "Restart")).ToList();
        var accepted = await Task.WhenAll(cities.Select(System.Ingress.AcceptAsync));

        // 12 requests on 4 terminals of 300 ms: replies are still coming when the ingress dies.
        await KillAndRestartIngressAsync();

        var replies = await Task.WhenAll(accepted.Select(url => System.Ingress.ReplyAtAsync(url, CompletionTimeout)));
        Assert.Equal(cities, replies.Select(r => r.City));
        var after = CityNames.Unique("AfterRestart");
        Assert.Equal(after, (await System.Ingress.ForecastAsync(after, CompletionTimeout)).City);
    }
}

// The price of direct mode (services/ingress/Correlation/CorrelationOptions.cs): a request waits in
// its replica's memory, so a killed ingress forgets every request in flight. The proxy still does the
// work and replies on the replica's topic; the restarted replica (same topic) drops those replies.
public sealed class DirectModeRecoveryTests(SlowProxyDirectStack system)
    : RecoveryScenarios(system), IClassFixture<SlowProxyDirectStack>
{
    [Fact(Timeout = 180_000)]
    public async Task Requests_in_flight_when_the_ingress_is_killed_are_lost_and_their_status_answers_404_after_restart()
    {
        var stack = System.Stack;
        var cities = Enumerable.Range(0, 12).Select(i => CityNames.Named(i, "Lost")).ToList();
        // The proxy is held back so that all of them are still unanswered when the ingress dies:
        // then every reply reaches the restarted ingress, and the count of dropped replies is exact.
        await stack.StopAppAsync(DaprNames.AppIds.Proxy);
        try
        {
            var accepted = await Task.WhenAll(cities.Select(System.Ingress.AcceptAsync));
            var requestIds = accepted.Select(url => url.Segments[^1]).ToList();
            var replyTopic = await System.ReplyTopicOfAsync(requestIds[0]);

            await KillAndRestartIngressAsync();
            await AssertAllUnknownAsync(accepted);

            await stack.StartAppAsync(DaprNames.AppIds.Proxy, cancellationToken: TestContext.Current.CancellationToken);

            await Eventually.Until(
                () => PrometheusText.SumAsync(System.Http, System.Ingress.BaseUrl, "ingress_replies_received_total", "result=\"drop\""),
                dropped => dropped >= cities.Count,
                TimeSpan.FromSeconds(60),
                $"the restarted ingress dropping the replies to the {cities.Count} requests it no longer knows",
                System.Diagnostics);
            foreach (var id in requestIds)
            {
                Assert.Single(await Streams.ForRequestAsync(System.Redis, replyTopic, id));
            }
            Assert.Equal(cities.Count, await PrometheusText.SumAsync(System.Http, System.Ingress.BaseUrl, "ingress_replies_received_total", "result=\"drop\""));
            Assert.Equal(0, await PrometheusText.SumAsync(System.Http, System.Ingress.BaseUrl, "ingress_replies_received_total", "result=\"success\""));
            // A late reply does not bring a forgotten request back.
            await AssertAllUnknownAsync(accepted);

            // The replica id is stable across the restart (host and port), so new requests use the same topic and work.
            var after = await System.Ingress.ForecastAsync(CityNames.Unique("AfterRestart"), CompletionTimeout);
            Assert.Equal(replyTopic, await System.ReplyTopicOfAsync(after.RequestId));
        }
        finally
        {
            await EnsureProxyRunsAsync();
        }
    }

    private async Task AssertAllUnknownAsync(IEnumerable<Uri> statusUrls)
    {
        foreach (var url in statusUrls)
        {
            using var response = await System.Http.GetAsync(url, TestContext.Current.CancellationToken);
            Assert.True(
                response.StatusCode == HttpStatusCode.NotFound,
                $"GET {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        }
    }
}
