using EndToEnd.Tests.Infrastructure;
using RedisStreamDemo.Contracts;
using TestSupport;

namespace EndToEnd.Tests.Scenarios;

/// <summary>Terminals of 100 ms, so a backlog builds up and a second proxy has something to take.</summary>
public abstract class BusyProxyStack : StackFixture
{
    protected override TimeSpan? ProxyProcessingTime => TimeSpan.FromMilliseconds(100);
}

public sealed class BusyProxyWorkflowStack : BusyProxyStack;

public sealed class BusyProxyDirectStack : BusyProxyStack
{
    public override CorrelationMode Mode => CorrelationMode.Direct;
}

public sealed class WorkflowModeCompetingConsumersTests(BusyProxyWorkflowStack system)
    : CompetingConsumersScenarios(system), IClassFixture<BusyProxyWorkflowStack>;

public sealed class DirectModeCompetingConsumersTests(BusyProxyDirectStack system)
    : CompetingConsumersScenarios(system), IClassFixture<BusyProxyDirectStack>;

public abstract class CompetingConsumersScenarios(BusyProxyStack system)
{
    [Fact(Timeout = 180_000)]
    public async Task Two_proxies_with_one_app_id_share_the_requests_as_competing_consumers()
    {
        var stack = system.Stack;
        var second = await stack.AddReplicaAsync(DaprNames.AppIds.Proxy, TestContext.Current.CancellationToken);
        var first = stack[DaprNames.AppIds.Proxy];
        var before = new[]
        {
            (await Telemetry.TerminalsAsync(system.Http, first.Url)).Processed,
            (await Telemetry.TerminalsAsync(system.Http, second.Url)).Processed,
        };
        var cities = Enumerable.Range(0, 80).Select(i => CityNames.Named(i, "Shared")).ToList();

        var replies = await Task.WhenAll(cities.Select(city => system.Ingress.ForecastAsync(city, TimeSpan.FromSeconds(90))));

        Assert.Equal(cities, replies.Select(r => r.City));
        var byFirst = (await Telemetry.TerminalsAsync(system.Http, first.Url)).Processed - before[0];
        var bySecond = (await Telemetry.TerminalsAsync(system.Http, second.Url)).Processed - before[1];
        Assert.True(byFirst > 0 && bySecond > 0, $"first proxy processed {byFirst}, second {bySecond}{Environment.NewLine}{system.Diagnostics()}");
        // Competing, not broadcast: every request was processed by exactly one of them.
        Assert.Equal(cities.Count, byFirst + bySecond);
        Assert.Equal(DaprNames.AppIds.Proxy, Assert.Single(await system.Redis.StreamGroupInfoAsync(DaprNames.Topics.WeatherRequests)).Name);
    }
}
