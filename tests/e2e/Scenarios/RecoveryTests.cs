using System.Net;
using EndToEnd.Tests.Infrastructure;
using RedisStreamDemo.Contracts;
using RedisStreamDemo.Stack;

namespace EndToEnd.Tests.Scenarios;

/// <summary>Terminals slow enough (300 ms) that requests are still in flight when a process goes away.</summary>
public sealed class SlowProxyStack : StackFixture
{
    protected override Dictionary<string, Dictionary<string, string?>> AppEnvironment => new()
    {
        ["proxy"] = new() { ["Terminals__ProcessingTime"] = "00:00:00.300" },
    };
}

public sealed class RecoveryTests(SlowProxyStack system) : IClassFixture<SlowProxyStack>
{
    private static readonly TimeSpan CompletionTimeout = TimeSpan.FromSeconds(90);

    [Fact(Timeout = 180_000)]
    public async Task Requests_accepted_while_the_proxy_is_down_wait_in_the_stream_and_are_all_answered_once_when_it_returns()
    {
        var stack = system.Stack;
        await stack.StopAppAsync(DaprNames.AppIds.Proxy);
        try
        {
            var lengthBefore = await system.Redis.StreamLengthAsync(DaprNames.Topics.WeatherRequests);
            var cities = Enumerable.Range(0, 12).Select(i => Cities.Named(i, "Outage")).ToList();

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
                var published = await Streams.ForRequestAsync(system.Redis, DaprNames.Topics.WeatherResponses, reply.RequestId);
                Assert.True(published.Count == 1, $"request {reply.RequestId} ({reply.City}) answered {published.Count} times");
            }
        }
        finally
        {
            if (!stack[DaprNames.AppIds.Proxy].App.IsRunning)
            {
                await stack.StartAppAsync(DaprNames.AppIds.Proxy, cancellationToken: TestContext.Current.CancellationToken);
            }
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task Workflows_resume_after_the_ingress_is_killed_mid_flight()
    {
        var stack = system.Stack;
        var cities = Enumerable.Range(0, 12).Select(i => Cities.Named(i, "Restart")).ToList();
        var accepted = await Task.WhenAll(cities.Select(system.Ingress.AcceptAsync));
        var firstPid = stack[DaprNames.AppIds.Ingress].ProcessId;

        // 12 requests on 4 terminals of 300 ms: replies are still coming when the ingress dies.
        await stack.StopAppAsync(DaprNames.AppIds.Ingress, StopSignal.Kill);
        await stack.StartAppAsync(DaprNames.AppIds.Ingress, cancellationToken: TestContext.Current.CancellationToken);

        Assert.NotEqual(firstPid, stack[DaprNames.AppIds.Ingress].ProcessId);
        var replies = await Task.WhenAll(accepted.Select(url => system.Ingress.ReplyAtAsync(url, CompletionTimeout)));
        Assert.Equal(cities, replies.Select(r => r.City));
        var after = Cities.Unique("AfterRestart");
        Assert.Equal(after, (await system.Ingress.ForecastAsync(after, CompletionTimeout)).City);
    }
}
