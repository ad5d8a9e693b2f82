using System.Net;
using StackExchange.Redis;

namespace EndToEnd.Tests.RealDapr;

/// <summary>Our two apps with real daprd sidecars, however those sidecars were started.</summary>
public interface IRealDaprSystem
{
    /// <summary>Skips or fails the calling test, with the reason, when this system is not running here.</summary>
    void EnsureRunning();

    IngressClient Ingress { get; }

    IDatabase Redis { get; }
}

/// <summary>
/// The request/reply checks run against real daprd: proves the test sidecar did not hide a
/// difference. Each derived class supplies the sidecars (a `dapr init` daprd, or containers).
/// </summary>
public abstract class RealDaprScenarios<TSystem>(TSystem system) where TSystem : IRealDaprSystem
{
    [Fact(Timeout = 120_000)]
    public async Task A_request_gets_its_reply_through_real_daprd_sidecars()
    {
        system.EnsureRunning();
        var city = CityNames.Unique("Daprd");

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
        system.EnsureRunning();
        var cities = Enumerable.Range(0, 20).Select(i => CityNames.Named(i, "Daprd")).ToList();

        var accepted = await Task.WhenAll(cities.Select(system.Ingress.AcceptAsync));
        var replies = await Task.WhenAll(accepted.Select(url => system.Ingress.ReplyAtAsync(url, TimeSpan.FromSeconds(90))));

        Assert.Equal(cities, replies.Select(r => r.City));
        Assert.Equal(HttpStatusCode.OK, await system.Ingress.HealthAsync());
    }
}
