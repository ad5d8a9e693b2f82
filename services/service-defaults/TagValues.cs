using System.Text.Json;

namespace RedisStreamDemo.ServiceDefaults;

/// <summary>
/// Metric tag values come from enums, written as their member names in snake_case (TimedOut is
/// "timed_out"): the exact strings the dashboards filter on.
/// </summary>
public static class TagValues
{
    public static string Of<TEnum>(TEnum value)
        where TEnum : struct, Enum => Names<TEnum>.ByValue[value];

    private static class Names<TEnum>
        where TEnum : struct, Enum
    {
        public static readonly Dictionary<TEnum, string> ByValue = Enum.GetValues<TEnum>()
            .ToDictionary(value => value, value => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString()));
    }
}
