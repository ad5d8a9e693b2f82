using Dapr;
using Dapr.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute.ExceptionExtensions;
using RedisStreamDemo.Ingress.Correlation;
using RedisStreamDemo.Ingress.Direct;
using RedisStreamDemo.Ingress.Forecasts;
using RedisStreamDemo.Ingress.Telemetry;
using TestSupport;
// The product's, not the system-test kit's mirror of it.
using CorrelationMode = RedisStreamDemo.Ingress.Correlation.CorrelationMode;

namespace Ingress.Tests;

// Direct correlation without HTTP: the pending map, the deadline, the bound and reply handling.
public sealed class DirectCorrelationTests : IDisposable
{
    private readonly ServiceProvider metricsProvider = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly DaprClient dapr = Substitute.For<DaprClient>();
    private readonly List<DirectCorrelation> created = [];

    public void Dispose()
    {
        created.ForEach(correlation => correlation.Dispose());
        metricsProvider.Dispose();
    }

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private DirectCorrelation Create(int maxInFlight = 10, TimeSpan? deadline = null, TimeSpan? retention = null)
    {
        var correlation = new DirectCorrelation(
            dapr,
            new IngressMetrics(metricsProvider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
            TimeProvider.System,
            Options.Create(new CorrelationOptions
            {
                Mode = CorrelationMode.Direct,
                ReplicaId = "replica-1",
                MaxInFlight = maxInFlight,
                ReplyDeadline = deadline ?? TimeSpan.FromMinutes(1),
                Retention = retention ?? TimeSpan.FromMinutes(1),
            }),
            NullLogger<DirectCorrelation>.Instance);
        created.Add(correlation);
        return correlation;
    }

    private static WeatherRequest Request(string id) => new(id, "Oslo", null, DateTimeOffset.UtcNow);

    [Fact]
    public async Task Request_is_published_to_weather_requests_naming_the_replica_reply_topic()
    {
        var correlation = Create();
        var id = Replies.NewId();

        var started = await correlation.StartAsync(Request(id), Cancellation);

        Assert.Equal(StartStatus.Started, started.Status);
        await dapr.Received(1).PublishEventAsync(
            DaprNames.PubSub,
            DaprNames.Topics.WeatherRequests,
            Arg.Is<WeatherRequest>(r => r.RequestId == id && r.ReplyTopic == "weather-responses.replica-1"),
            Arg.Is<Dictionary<string, string>>(m => m["cloudevent.id"] == id),
            Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Pending_request_completes_with_its_reply()
    {
        var correlation = Create();
        var id = Replies.NewId();
        await correlation.StartAsync(Request(id), Cancellation);
        var waiting = correlation.WaitAsync(id, Cancellation);
        Assert.False(waiting.IsCompleted);

        var handling = await correlation.DeliverAsync(Replies.For(id, "Bergen"), Cancellation);

        Assert.Equal(ReplyHandling.Success, handling);
        var finished = await waiting.WaitAsync(TimeSpan.FromSeconds(5), Cancellation);
        Assert.Equal("Bergen", finished.Reply?.City);
        Assert.Equal(RequestOutcome.Ok, ForecastEndpoints.OutcomeOf(finished));
        Assert.Equal(0, correlation.InFlight);
    }

    [Fact]
    public async Task Second_delivery_of_a_reply_is_a_duplicate_and_acknowledged()
    {
        var correlation = Create();
        var id = Replies.NewId();
        await correlation.StartAsync(Request(id), Cancellation);
        await correlation.DeliverAsync(Replies.For(id), Cancellation);

        var again = await correlation.DeliverAsync(Replies.For(id), Cancellation);

        Assert.Equal(ReplyHandling.Duplicate, again);
        Assert.Equal("SUCCESS", again.Response.Status);
    }

    [Fact]
    public async Task Reply_for_a_request_this_replica_does_not_know_is_dropped()
    {
        var correlation = Create();

        var handling = await correlation.DeliverAsync(Replies.For(Replies.NewId()), Cancellation);

        Assert.Equal(ReplyHandling.Drop, handling);
        Assert.Equal("DROP", handling.Response.Status);
    }

    [Fact]
    public async Task Request_without_reply_before_the_deadline_finishes_as_timed_out()
    {
        var correlation = Create(deadline: TimeSpan.FromMilliseconds(200));
        var id = Replies.NewId();
        await correlation.StartAsync(Request(id), Cancellation);

        var finished = await correlation.WaitAsync(id, Cancellation).WaitAsync(TimeSpan.FromSeconds(10), Cancellation);

        Assert.Equal(RequestOutcome.TimedOut, ForecastEndpoints.OutcomeOf(finished));
        Assert.Equal(RequestEnding.DeadlinePassed, finished.Ending);
        Assert.Equal(504, ForecastProblems.Finished(id, finished).StatusCode);
        Assert.Equal(0, correlation.InFlight);
        // A late reply is acknowledged, not retried: the request is over.
        Assert.Equal(ReplyHandling.Duplicate, await correlation.DeliverAsync(Replies.For(id), Cancellation));
    }

    [Fact]
    public async Task Lookup_reports_pending_then_finished_then_unknown_after_the_retention()
    {
        var correlation = Create(retention: TimeSpan.FromMilliseconds(300));
        var id = Replies.NewId();
        await correlation.StartAsync(Request(id), Cancellation);

        Assert.Equal(LookupStatus.Pending, (await correlation.GetAsync(id, Cancellation)).Status);
        await correlation.DeliverAsync(Replies.For(id), Cancellation);
        Assert.Equal(LookupStatus.Finished, (await correlation.GetAsync(id, Cancellation)).Status);

        await Eventually.Until(
            async () => (await correlation.GetAsync(id, Cancellation)).Status == LookupStatus.Unknown,
            TimeSpan.FromSeconds(10), "the finished request is forgotten", interval: TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task Requests_beyond_max_in_flight_are_refused_until_one_finishes()
    {
        var correlation = Create(maxInFlight: 1);
        var first = Replies.NewId();
        await correlation.StartAsync(Request(first), Cancellation);

        Assert.Equal(StartStatus.Overloaded, (await correlation.StartAsync(Request(Replies.NewId()), Cancellation)).Status);
        await correlation.DeliverAsync(Replies.For(first), Cancellation);
        Assert.Equal(StartStatus.Started, (await correlation.StartAsync(Request(Replies.NewId()), Cancellation)).Status);
    }

    [Fact]
    public async Task Failed_publish_is_unavailable_and_frees_its_slot()
    {
        dapr.PublishEventAsync(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<WeatherRequest>(), Arg.Any<Dictionary<string, string>>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new DaprException("sidecar unreachable"));
        var correlation = Create(maxInFlight: 1);
        var id = Replies.NewId();

        var started = await correlation.StartAsync(Request(id), Cancellation);

        Assert.Equal(StartStatus.Unavailable, started.Status);
        Assert.Equal(0, correlation.InFlight);
        Assert.Equal(LookupStatus.Unknown, (await correlation.GetAsync(id, Cancellation)).Status);
    }

    [Theory]
    [InlineData("ingress-7d9f8b-x2x9q", "ingress-7d9f8b-x2x9q")]
    [InlineData("My_Host.local-5009", "my-host-local-5009")]
    [InlineData("---", "ingress")]
    public void Replica_id_is_made_of_lowercase_letters_digits_and_dashes(string name, string expected) =>
        Assert.Equal(expected, ReplicaIdentity.Sanitize(name));

    [Fact]
    public void Long_replica_names_are_shortened_but_stay_distinct()
    {
        var a = ReplicaIdentity.Sanitize(new string('a', 80) + "1");
        var b = ReplicaIdentity.Sanitize(new string('a', 80) + "2");

        Assert.NotEqual(a, b);
        Assert.True(DaprNames.Topics.IsReplicaId(a));
        Assert.True(DaprNames.Topics.IsReplicaId(b));
    }
}
