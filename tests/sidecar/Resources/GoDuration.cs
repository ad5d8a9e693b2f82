using System.Globalization;
using System.Text.RegularExpressions;

namespace TestSidecar.Resources;

/// <summary>Go's time.ParseDuration, which Dapr uses for every duration in its resources.</summary>
internal static partial class GoDuration
{
    public static TimeSpan Parse(string text)
    {
        if (!TryParse(text, out var value))
        {
            throw new FormatException($"time: invalid duration \"{text}\"");
        }
        return value;
    }

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        text = text.Trim();
        if (text == "0")
        {
            return true;
        }
        var matches = Part().Matches(text);
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)) != text.TrimStart('-', '+'))
        {
            return false;
        }
        double ticks = 0;
        foreach (Match m in matches)
        {
            var number = double.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
            ticks += m.Groups["u"].Value switch
            {
                "ns" => number / 100,
                "us" or "µs" or "μs" => number * 10,
                "ms" => number * TimeSpan.TicksPerMillisecond,
                "s" => number * TimeSpan.TicksPerSecond,
                "m" => number * TimeSpan.TicksPerMinute,
                "h" => number * TimeSpan.TicksPerHour,
                _ => double.NaN,
            };
        }
        if (double.IsNaN(ticks))
        {
            return false;
        }
        value = TimeSpan.FromTicks((long)(text.StartsWith('-') ? -ticks : ticks));
        return true;
    }

    [GeneratedRegex(@"(?<n>\d+(\.\d*)?|\.\d+)(?<u>ns|us|µs|μs|ms|s|m|h)")]
    private static partial Regex Part();
}
