using RedisStreamDemo.Proxy.Forecasts;

namespace Proxy.Tests;

public sealed class ForecastGeneratorTests
{
    private static readonly DateOnly FirstDay = new(2025, 6, 1);

    [Fact]
    public void Same_city_and_date_give_the_same_forecast() =>
        Assert.Equal(ForecastGenerator.ForDays("Oslo", FirstDay), ForecastGenerator.ForDays("Oslo", FirstDay));

    [Fact]
    public void Forecasts_cover_five_consecutive_days_from_the_first_day()
    {
        var forecasts = ForecastGenerator.ForDays("Oslo", FirstDay);

        Assert.Equal(
            [FirstDay, FirstDay.AddDays(1), FirstDay.AddDays(2), FirstDay.AddDays(3), FirstDay.AddDays(4)],
            forecasts.Select(f => f.Date));
    }

    [Fact]
    public void Different_cities_get_different_forecasts()
    {
        string[] cities = ["Oslo", "Bergen", "Paris", "Lagos", "Lima", "Tokyo", "Cairo", "Quito"];

        var temperatures = cities
            .Select(city => string.Join(',', ForecastGenerator.ForDays(city, FirstDay).Select(f => f.TemperatureC)))
            .ToHashSet();

        Assert.Equal(cities.Length, temperatures.Count);
    }

    [Fact]
    public void City_case_and_surrounding_spaces_do_not_change_the_forecast() =>
        Assert.Equal(ForecastGenerator.ForDays("Oslo", FirstDay), ForecastGenerator.ForDays("  OSLO ", FirstDay));

    [Fact]
    public void Temperatures_stay_in_range_and_fahrenheit_agrees_with_celsius()
    {
        var forecasts = Enumerable.Range(0, 200)
            .SelectMany(n => ForecastGenerator.ForDays($"city-{n}", FirstDay.AddDays(n)))
            .ToList();

        Assert.All(forecasts, f =>
        {
            Assert.InRange(f.TemperatureC, ForecastGenerator.MinTemperatureC, ForecastGenerator.MaxTemperatureC);
            Assert.Equal(32 + (int)Math.Round(f.TemperatureC * 9 / 5.0), f.TemperatureF);
            Assert.False(string.IsNullOrWhiteSpace(f.Summary));
        });
        Assert.True(forecasts.Select(f => f.TemperatureC).Distinct().Count() > 30, "temperatures should spread over the range");
    }

    [Fact]
    public void Known_city_and_date_keep_their_forecast_across_processes_and_releases()
    {
        // Pinned values: a change here means replies differ between replicas or versions.
        var forecast = ForecastGenerator.For("Oslo", FirstDay);

        Assert.Equal(ForecastGenerator.For("oslo", FirstDay), forecast);
        Assert.Equal(PinnedOslo, (forecast.TemperatureC, forecast.Summary));
    }

    private static readonly (int, string) PinnedOslo = (31, "Hot");
}
