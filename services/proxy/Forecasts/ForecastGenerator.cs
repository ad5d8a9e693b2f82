using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RedisStreamDemo.Contracts;

namespace RedisStreamDemo.Proxy.Forecasts;

/// <summary>
/// A forecast depends only on the city and the date, so a redelivered or replayed request, on any
/// replica, gets the same answer. string.GetHashCode is randomised per process and would not do.
/// </summary>
internal static class ForecastGenerator
{
    public const int Days = 5;
    public const int MinTemperatureC = -20;
    public const int MaxTemperatureC = 45;

    private static readonly string[] Summaries =
        ["Freezing", "Bracing", "Chilly", "Cool", "Mild", "Warm", "Balmy", "Hot", "Sweltering", "Scorching"];

    public static IReadOnlyList<Forecast> ForDays(string city, DateOnly firstDay) =>
        [.. Enumerable.Range(0, Days).Select(offset => For(city, firstDay.AddDays(offset)))];

    public static Forecast For(string city, DateOnly date)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"{city.Trim().ToUpperInvariant()}|{date.DayNumber}");
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);

        const int range = MaxTemperatureC - MinTemperatureC + 1;
        var temperatureC = MinTemperatureC + (int)(BinaryPrimitives.ReadUInt32LittleEndian(hash) % range);
        var summary = Summaries[(temperatureC - MinTemperatureC) * Summaries.Length / range];
        return new Forecast(date, temperatureC, 32 + (int)Math.Round(temperatureC * 9 / 5.0), summary);
    }
}
