using System.Net;
using EndToEnd.Tests.Infrastructure;
using RedisStreamDemo.Contracts;

namespace EndToEnd.Tests.RealDapr;

/// <summary>
/// The same system with real daprd sidecars instead of the test sidecar: proves the test sidecar
/// did not hide a difference. Opt-in (RSD_E2E_REAL_DAPR=1) on a machine where `dapr init` has run:
/// daprd in ~/.dapr/bin (or DAPRD_PATH), placement on localhost:50005 and scheduler on
/// localhost:50006 (or RSD_DAPR_PLACEMENT / RSD_DAPR_SCHEDULER). Redis is still a private
/// redis-server; the resources are the repository's components with redisHost pointed at it.
/// </summary>
public sealed class RealDaprStack : StackFixture
{
    public const string OptInVariable = "RSD_E2E_REAL_DAPR";

    private static bool OptedIn => Environment.GetEnvironmentVariable(OptInVariable) == "1";

    private static string Daprd => Environment.GetEnvironmentVariable("DAPRD_PATH")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dapr", "bin", "daprd");

    // Opt-in suites skip even under CI=true: nothing required is missing, the run did not ask for them.
    protected override string? OptInSkipReason => OptedIn
        ? File.Exists(Daprd) ? null : $"{OptInVariable}=1 but daprd is not at {Daprd} (run `dapr init` or set DAPRD_PATH)."
        : $"Real-Dapr suite is opt-in and was not requested: set {OptInVariable}=1 on a machine with `dapr init` " +
          "(daprd, placement and scheduler); it skips under CI=true too, because it is opt-in, not missing.";

    protected override string? DaprdPath => Daprd;

    protected override IReadOnlyList<string> SidecarArguments =>
    [
        "--placement-host-address", Environment.GetEnvironmentVariable("RSD_DAPR_PLACEMENT") ?? "localhost:50005",
        "--scheduler-host-address", Environment.GetEnvironmentVariable("RSD_DAPR_SCHEDULER") ?? "localhost:50006",
        "--log-level", "warn",
    ];
}

public sealed class RealDaprTests(RealDaprStack system) : IClassFixture<RealDaprStack>
{
    [Fact(Timeout = 120_000)]
    public async Task A_request_gets_its_reply_through_real_daprd_sidecars()
    {
        _ = system.Stack;
        var city = Cities.Unique("Daprd");

        var reply = await system.Ingress.ForecastAsync(city, TimeSpan.FromSeconds(60));

        Assert.Equal(city, reply.City);
        Assert.NotEmpty(reply.Forecasts);
        var entry = Assert.Single(await Streams.ForRequestAsync(system.Redis, DaprNames.Topics.WeatherRequests, reply.RequestId));
        Assert.Equal(DaprNames.AppIds.Ingress, entry.CloudEvent.GetProperty("source").GetString());
        Assert.Contains(await system.Redis.StreamGroupInfoAsync(DaprNames.Topics.WeatherRequests), g => g.Name == DaprNames.AppIds.Proxy);
    }

    [Fact(Timeout = 120_000)]
    public async Task Requests_accepted_asynchronously_complete_through_real_daprd_sidecars()
    {
        _ = system.Stack;
        var cities = Enumerable.Range(0, 20).Select(i => Cities.Named(i, "Daprd")).ToList();

        var accepted = await Task.WhenAll(cities.Select(system.Ingress.AcceptAsync));
        var replies = await Task.WhenAll(accepted.Select(url => system.Ingress.ReplyAtAsync(url, TimeSpan.FromSeconds(90))));

        Assert.Equal(cities, replies.Select(r => r.City));
        Assert.Equal(HttpStatusCode.OK, await system.Ingress.HealthAsync());
    }
}
