using System.Globalization;
using TestSupport;

namespace LoadTest.Cli;

internal enum LoadMode
{
    Concurrent,
    Sequential,
}

internal sealed record LoadOptions
{
    public Uri Url { get; init; } = new("http://localhost:5009");
    public LoadMode Mode { get; init; } = LoadMode.Concurrent;
    public int Concurrency { get; init; } = 32;
    public long Count { get; init; } = 1000;
    public TimeSpan? Duration { get; init; }
    public double? Rate { get; init; }
    public bool Async { get; init; }
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(20);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    public string? JsonFile { get; init; }
    public string? PlotFile { get; init; }
    public string CityPrefix { get; init; } = "Load";

    /// <summary>Sequential mode is one request at a time whatever --concurrency says.</summary>
    public int EffectiveConcurrency => Mode == LoadMode.Sequential ? 1 : Concurrency;

    public const string Usage = """
        Load test for the RedisStreamDemo ingress (POST /WeatherForecast/city).

        Usage: dotnet run --project tools/loadtest -- [options]

          --url URL             ingress base address (default http://localhost:5009)
          --count N             requests to send (default 1000; ignored with --duration)
          --duration 30s        run for a time instead of a count (ms, s, m suffixes)
          --mode MODE           concurrent (default) or sequential (one at a time)
          --concurrency N       requests in flight (default 32); with --rate, the in-flight cap
          --rate N              fixed arrival rate in requests/s (open model); latency is measured
                                from each request's scheduled time, so a backlog shows up in it
          --async               send Prefer: respond-async and poll the Location until the reply
          --poll-interval 20ms  polling interval for --async and for 202 answers (default 20ms)
          --timeout 30s         deadline per request, polling included (default 30s)
          --json FILE           write the summary as JSON
          --plot FILE           write a latency percentile chart (.png or .svg)
          --city-prefix TEXT    letters that start every generated city name (default Load)
          -h, --help            this text

        Every request sends a distinct, letters-only city and checks the reply: a requestId is
        present and the city equals the one sent; a mismatch counts as an error.

        Exit codes (TestSupport.ExitCodes): 0 no errors, 1 some request failed, 2 ingress unhealthy,
        64 bad arguments.
        """;

    /// <summary>The options, or the exit code to end with (help printed, or bad usage).</summary>
    public static (LoadOptions? Options, int? Exit) Parse(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var options = new LoadOptions();
        var exit = new CommandLine(Usage)
            .Option("--url", value => options = options with { Url = ParseUrl(value) })
            .Option("--count", value => options = options with { Count = ParsePositive("--count", value) })
            .Option("--duration", value => options = options with { Duration = ParseDuration("--duration", value) })
            .Option("--mode", value => options = options with { Mode = ParseMode(value) })
            .Option("--concurrency", value => options = options with { Concurrency = (int)ParsePositive("--concurrency", value, int.MaxValue) })
            .Option("--rate", value => options = options with { Rate = ParseRate(value) })
            .Flag("--async", () => options = options with { Async = true })
            .Option("--poll-interval", value => options = options with { PollInterval = ParseDuration("--poll-interval", value) })
            .Option("--timeout", value => options = options with { Timeout = ParseDuration("--timeout", value) })
            .Option("--json", value => options = options with { JsonFile = value })
            .Option("--plot", value => options = options with { PlotFile = ParsePlotFile(value) })
            .Option("--city-prefix", value => options = options with { CityPrefix = ParseCityPrefix(value) })
            .Parse(args, output, error);
        return exit is null ? (options, null) : (null, exit);
    }

    private static Uri ParseUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new FormatException($"--url must be an absolute http(s) address, not '{value}'.");

    private static long ParsePositive(string name, string value, long max = long.MaxValue) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 && n <= max
            ? n
            : throw new FormatException($"{name} must be a positive whole number, not '{value}'.");

    private static double ParseRate(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate > 0 && double.IsFinite(rate)
            ? rate
            : throw new FormatException($"--rate must be a positive number of requests per second, not '{value}'.");

    private static LoadMode ParseMode(string value) => value.ToLowerInvariant() switch
    {
        "concurrent" => LoadMode.Concurrent,
        "sequential" => LoadMode.Sequential,
        _ => throw new FormatException($"--mode is sequential or concurrent, not '{value}'."),
    };

    private static string ParsePlotFile(string value) =>
        Path.GetExtension(value).ToLowerInvariant() is ".png" or ".svg"
            ? value
            : throw new FormatException($"--plot writes .png or .svg files, not '{value}'.");

    private static string ParseCityPrefix(string value) =>
        value.Length > 0 && value.All(char.IsAsciiLetter)
            ? value
            : throw new FormatException($"--city-prefix must be ASCII letters only, not '{value}'.");

    /// <summary>Durations such as 500ms, 30s, 2m, or a bare number of seconds.</summary>
    public static TimeSpan ParseDuration(string name, string value)
    {
        var (number, unit) = value switch
        {
            _ when value.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (value[..^2], 0.001),
            _ when value.EndsWith('s') || value.EndsWith('S') => (value[..^1], 1.0),
            _ when value.EndsWith('m') || value.EndsWith('M') => (value[..^1], 60.0),
            _ => (value, 1.0),
        };
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0 && double.IsFinite(n)
            ? TimeSpan.FromSeconds(n * unit)
            : throw new FormatException($"{name} must be a duration such as 500ms, 30s or 2m, not '{value}'.");
    }
}
