namespace EndToEnd.Tests.Scenarios;

/// <summary>Terminals of 100 ms, so a backlog builds up and a second proxy has something to take.</summary>
public sealed class BusyProxyWorkflowStack() : StackFixture(CorrelationMode.Workflow, TimeSpan.FromMilliseconds(100));

/// <inheritdoc cref="BusyProxyWorkflowStack"/>
public sealed class BusyProxyDirectStack() : StackFixture(CorrelationMode.Direct, TimeSpan.FromMilliseconds(100));

public sealed class WorkflowModeCompetingConsumersTests(BusyProxyWorkflowStack system)
    : CompetingConsumersScenarios(system), IClassFixture<BusyProxyWorkflowStack>;

public sealed class DirectModeCompetingConsumersTests(BusyProxyDirectStack system)
    : CompetingConsumersScenarios(system), IClassFixture<BusyProxyDirectStack>;

public abstract class CompetingConsumersScenarios(StackFixture system)
{
    [Fact(Timeout = 180_000)]
    public async Task Two_proxies_with_one_app_id_share_the_requests_as_competing_consumers()
    {
        var stack = system.Stack;
        var second = await stack.AddReplicaAsync(DaprNames.AppIds.Proxy, TestContext.Current.CancellationToken);
        var first = stack[DaprNames.AppIds.Proxy];
        // Healthy is not yet subscribed: the sidecar starts the new replica's subscriptions only once
        // its app health probe passes (5 s apart). Requests go one at a time until it takes one.
        await Eventually.Until(async () =>
        {
            await system.Ingress.ForecastAsync(CityNames.Unique("Warmup"), TimeSpan.FromSeconds(30));
            return (await Telemetry.TerminalsAsync(system.Http, second.Url)).Processed > 0;
        }, TimeSpan.FromSeconds(60), "the second proxy taking a request", system.Diagnostics);
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
