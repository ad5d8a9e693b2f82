using LoadTest.Running;
using LoadTest.Weather;

namespace Benchmarks.Cases;

/// <summary>
/// POST /WeatherForecast/city as the load tool sends it, each reply checked, and the times a
/// <see cref="StageTimings"/> needs: for the full stack and the plumbing floor, which speak the same API.
/// </summary>
internal sealed class WeatherTraffic(HttpClient http, Uri ingress, string redisEndpoint)
{
    private readonly WeatherClient _client = new(http, ingress, respondAsync: false, TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(30));
    private readonly TestSupport.CityNames _cities = new("Bench");
    private long _sent;

    public StageTimings Stages { get; } = new(redisEndpoint);

    public async Task<RequestOutcome> SendAsync(CancellationToken cancellationToken)
    {
        // The runner counts from 0 in every run (warm-up, each window); cities must differ across runs too.
        var city = _cities.For(Interlocked.Increment(ref _sent));
        var sent = StageTimings.NowMs;
        var outcome = await _client.SendAsync(city, cancellationToken);
        if (!outcome.IsError)
        {
            Stages.Record(city, sent, StageTimings.NowMs);
        }
        return outcome;
    }
}
