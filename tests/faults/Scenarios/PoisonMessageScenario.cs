using System.Text.Json;
using StackExchange.Redis;

namespace Faults.Scenarios;

/// <summary>
/// Entries no proxy can handle are written straight into weather-requests (XADD, as a buggy or
/// hostile publisher would): bytes that are not a CloudEvent, a CloudEvent whose data is not a
/// weather request, and one whose data is a bare string. Each must end up in
/// weather-requests-deadletter and be counted by proxy_requests_deadlettered_total, and good
/// requests sent right behind them must be answered as usual.
/// Runs on a copy of the resources whose inbound delivery retry is short (3 retries, 1 s at most)
/// instead of components/resiliency.yaml's five minutes, so a poison message that took the retry path
/// instead of DROP would still reach the dead-letter topic within the scenario.
/// </summary>
public sealed class PoisonMessageScenario(CorrelationMode mode = CorrelationMode.Workflow) : FaultScenario(
    mode, "poison-message",
    "Poison entries in weather-requests go to the dead-letter topic, good ones behind them pass",
    recoveryBound: TimeSpan.FromSeconds(30),
    stackOptions: new() { EditResources = ShortDeliveryRetry })
{
    private static readonly (string Name, string Data)[] Poison =
    [
        ("not a CloudEvent", "{this is not json"),
        ("CloudEvent without a weather request", CloudEvent("poison-object", new { unexpected = true })),
        ("CloudEvent with a string for data", CloudEvent("poison-string", "just a string")),
    ];

    protected override async Task ExecuteAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        var redis = run.Stack.Redis;
        var deadLetterBefore = await redis.StreamLengthAsync(DaprNames.Topics.WeatherRequestsDeadLetter);

        var injectedAt = run.Clock.Elapsed;
        var poisonIds = new List<string>();
        foreach (var (_, data) in Poison)
        {
            poisonIds.Add((await redis.StreamAddAsync(DaprNames.Topics.WeatherRequests, "data", data)).ToString());
        }
        run.Log($"XADDed {Poison.Length} poison entries: {string.Join(", ", poisonIds)}");

        await run.Requests.SendAtRateAsync(20, 50, "Behindville", cancellationToken);
        var settled = await run.Requests.SettleAsync(TimeSpan.FromSeconds(60), cancellationToken);
        run.Check("good requests behind the poison entries are answered", settled && run.Requests.Accepted.All(r => r.Completed),
            $"{run.Requests.Accepted.Count(r => r.Completed)}/{run.Requests.Accepted.Count} answered");
        run.Recovery = LastFinishedSince(run, injectedAt);

        var deadLettered = await ScenarioRun.EventuallyAsync(
            async () => await redis.StreamLengthAsync(DaprNames.Topics.WeatherRequestsDeadLetter) >= deadLetterBefore + Poison.Length,
            TimeSpan.FromSeconds(30), cancellationToken, TimeSpan.FromMilliseconds(250));
        var letters = await redis.StreamRangeAsync(DaprNames.Topics.WeatherRequestsDeadLetter);
        foreach (var (name, data) in Poison)
        {
            var found = letters.Any(e => (string?)e["data"] == data);
            run.Check($"'{name}' reaches {DaprNames.Topics.WeatherRequestsDeadLetter}", found,
                found ? $"after {(run.Clock.Elapsed - injectedAt).TotalSeconds:0.0} s at most" : $"not in the stream ({letters.Length} entries; all arrived: {deadLettered})");
        }

        double? counted = 0;
        await ScenarioRun.EventuallyAsync(async () =>
        {
            counted = await PrometheusText.SumIfAnsweredAsync(run.Stack.Http, run.Stack.Proxy, "proxy_requests_deadlettered_total", cancellationToken: cancellationToken);
            return counted >= Poison.Length;
        }, TimeSpan.FromSeconds(20), cancellationToken, TimeSpan.FromMilliseconds(500));
        run.Check("the proxy counts every dead letter (proxy_requests_deadlettered_total)", counted >= Poison.Length,
            $"{counted} counted for {Poison.Length} dead letters");

        var dropped = await PrometheusText.SumIfAnsweredAsync(run.Stack.Http, run.Stack.Proxy, "proxy_requests_retried_total", "poison", cancellationToken);
        run.Note($"proxy_requests_retried_total{{reason=\"poison\"}} = {dropped} (deliveries the proxy answered DROP; the non-CloudEvent never reaches it)");

        var pending = await redis.StreamPendingAsync(DaprNames.Topics.WeatherRequests, DaprNames.AppIds.Proxy);
        run.Check("nothing is left pending in the proxy's consumer group", pending.PendingMessageCount == 0, $"{pending.PendingMessageCount} pending");
    }

    private static string CloudEvent(string id, object data) => JsonSerializer.Serialize(new
    {
        specversion = "1.0",
        id,
        source = "fault-suite",
        type = "com.dapr.event.sent",
        datacontenttype = "application/json",
        topic = DaprNames.Topics.WeatherRequests,
        pubsubname = DaprNames.PubSub,
        data,
    });

    // The inbound delivery policy shortened to a few quick retries, whatever its values are today.
    private static string ShortDeliveryRetry(string file, string yaml)
    {
        if (file != "resiliency.yaml")
        {
            return yaml;
        }
        var policy = yaml.IndexOf("deliveryRetry:", StringComparison.Ordinal);
        if (policy < 0)
        {
            throw new InvalidOperationException("components/resiliency.yaml has no deliveryRetry policy to shorten.");
        }
        var tail = System.Text.RegularExpressions.Regex.Replace(yaml[policy..], @"maxInterval: \S+", "maxInterval: 1s", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
        tail = System.Text.RegularExpressions.Regex.Replace(tail, @"maxRetries: \S+", "maxRetries: 3", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
        return yaml[..policy] + tail;
    }
}
