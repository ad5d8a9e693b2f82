using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Dapr.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RedisStreamDemo.Proxy.Requests;
using RedisStreamDemo.Proxy.Telemetry;
using RedisStreamDemo.Proxy.Terminals;

namespace Proxy.Tests.Support;

// The proxy's own service registrations with a substituted DaprClient, without a web host. The
// substitute keeps saved state in SavedReplies, so the reply store behaves like one.
internal sealed class ProxyHarness : IAsyncDisposable
{
    private readonly ServiceProvider provider;

    public ProxyHarness(int terminals = 2, TimeSpan? processingTime = null, TimeSpan? acquireTimeout = null,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Terminals:Count"] = terminals.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Terminals:ProcessingTime"] = (processingTime ?? TimeSpan.Zero).ToString("c"),
                ["Terminals:AcquireTimeout"] = (acquireTimeout ?? TimeSpan.FromSeconds(10)).ToString("c"),
            })
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();

        provider = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddMetrics()
            .AddSingleton(Dapr)
            .AddProxyTelemetry()
            .AddTerminals()
            .AddWeatherRequests()
            .BuildServiceProvider(validateScopes: true);

        Metrics = new MetricRecorder(provider.GetRequiredService<IMeterFactory>());

        Dapr.ReplyRead().Returns(call => SavedReplies.GetValueOrDefault(call.ArgAt<string>(1)));
        Dapr.ReplySave().Returns(call =>
            {
                SavedReplies[call.ArgAt<string>(1)] = call.ArgAt<WeatherReply>(2);
                return Task.CompletedTask;
            });
    }

    public DaprClient Dapr { get; } = Substitute.For<DaprClient>();

    public MetricRecorder Metrics { get; }

    public TerminalPool Terminals => provider.GetRequiredService<TerminalPool>();

    public ConcurrentDictionary<string, WeatherReply> SavedReplies { get; } = new(StringComparer.Ordinal);

    public WeatherRequestHandler Handler => provider.GetRequiredService<WeatherRequestHandler>();

    public T Get<T>() where T : notnull => provider.GetRequiredService<T>();

    public long ProcessedByTerminals => Terminals.Snapshot().Terminals.Sum(t => t.Processed);

    public Task ReplyPublished(int times, Func<WeatherReply, bool>? matching = null, string topic = DaprNames.Topics.WeatherResponses) =>
        Dapr.Received(times).PublishEventAsync(
            DaprNames.PubSub,
            topic,
            Arg.Is<WeatherReply>(reply => matching == null || matching(reply)),
            Arg.Any<CancellationToken>());

    public async ValueTask DisposeAsync()
    {
        Metrics.Dispose();
        await provider.DisposeAsync();
    }
}
