using RedisStreamDemo.Ingress.Forecasts;

namespace Ingress.Tests;

public sealed class CityForecastRulesTests
{
    [Theory]
    [InlineData("Oslo", "Oslo")]
    [InlineData("  New York  ", "New York")]
    [InlineData("São Paulo", "São Paulo")]
    [InlineData("St. John's", "St. John's")]
    [InlineData("Winston-Salem", "Winston-Salem")]
    [InlineData("東京", "東京")]
    [InlineData("मुंबई", "मुंबई")]
    [InlineData("Κέρκυρα", "Κέρκυρα")]
    public void Valid_city_is_accepted_and_trimmed(string city, string expected)
    {
        var (value, error) = CityForecastRules.CheckCity(city);

        Assert.Null(error);
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Oslo 2")]
    [InlineData("<script>")]
    [InlineData("Oslo\tNorth")]
    [InlineData("Paris🌧")]
    [InlineData("...")]
    public void Invalid_city_is_rejected(string? city)
    {
        var (value, error) = CityForecastRules.CheckCity(city);

        Assert.Null(value);
        Assert.NotNull(error);
    }

    [Fact]
    public void City_of_101_letters_is_rejected_and_100_accepted()
    {
        Assert.NotNull(CityForecastRules.CheckCity(new string('a', 101)).Error);
        Assert.Null(CityForecastRules.CheckCity(new string('a', 100)).Error);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("   ", null)]
    [InlineData(" Downtown ", "Downtown")]
    [InlineData("Pier 39, #2 (north)", "Pier 39, #2 (north)")]
    public void Valid_location_is_accepted_and_trimmed(string? location, string? expected)
    {
        var (value, error) = CityForecastRules.CheckLocation(location);

        Assert.Null(error);
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("line\nbreak")]
    [InlineData("bell\u0007")]
    [InlineData("zero\u200bwidth")]
    public void Location_with_control_characters_is_rejected(string location) =>
        Assert.NotNull(CityForecastRules.CheckLocation(location).Error);

    // Kept out of [InlineData]: theory data is serialized, which replaces lone surrogates.
    [Fact]
    public void Unpaired_surrogates_are_rejected_in_both_fields()
    {
        Assert.NotNull(CityForecastRules.CheckCity("Oslo\ud800").Error);
        Assert.NotNull(CityForecastRules.CheckLocation("half\udc00").Error);
    }

    [Fact]
    public void Location_of_101_characters_is_rejected() =>
        Assert.NotNull(CityForecastRules.CheckLocation(new string('x', 101)).Error);

    [Theory]
    [InlineData("respond-async", true)]
    [InlineData("Respond-Async", true)]
    [InlineData("wait=5, respond-async", true)]
    [InlineData("respond-async; foo=bar", true)]
    [InlineData("return=minimal", false)]
    [InlineData(null, false)]
    public void Prefer_header_is_parsed_per_rfc_7240(string? prefer, bool expected) =>
        Assert.Equal(expected, ForecastEndpoints.PrefersAsync(prefer));
}
