using Dapr.Client;

namespace Proxy.Tests.Support;

// The proxy's calls to its sidecar, spelled once for the tests that set up or check the substitute:
// a read or a save of any key of the reply store, a publish of a reply on weather-responses.
internal static class DaprCalls
{
    public static Task<WeatherReply?> ReplyRead(this DaprClient dapr) =>
        dapr.GetStateAsync<WeatherReply?>(DaprNames.ReplyStore, Arg.Any<string>(), Arg.Any<ConsistencyMode?>(), Arg.Any<IReadOnlyDictionary<string, string>?>(), Arg.Any<CancellationToken>());

    public static Task ReplySave(this DaprClient dapr) =>
        dapr.SaveStateAsync(DaprNames.ReplyStore, Arg.Any<string>(), Arg.Any<WeatherReply>(), Arg.Any<StateOptions?>(), Arg.Any<IReadOnlyDictionary<string, string>?>(), Arg.Any<CancellationToken>());

    /// <param name="reply">An argument matcher for the reply: Arg.Any, Arg.Do, Arg.Is.</param>
    public static Task ReplyPublish(this DaprClient dapr, WeatherReply reply) =>
        dapr.PublishEventAsync(DaprNames.PubSub, DaprNames.Topics.WeatherResponses, reply, Arg.Any<CancellationToken>());
}
