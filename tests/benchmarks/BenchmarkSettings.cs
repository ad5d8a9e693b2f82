using System.Globalization;

namespace Benchmarks;

internal sealed record BenchmarkSettings
{
    public bool Quick { get; init; }
    public string? JsonFile { get; init; }
    public IReadOnlyList<int> Concurrencies { get; init; } = [1, 16, 64];
    public IReadOnlySet<string>? Cases { get; init; }
    public int? RepetitionsOverride { get; init; }

    // --quick: the whole run (four cases, three fresh target starts) in 4 to 5 minutes on 2 cores;
    // without it, about 10 minutes (the warm-up caps bound it under 15).
    /// <summary>Measured windows per case and concurrency, each after a window of the Redis floor.</summary>
    public int Repetitions => RepetitionsOverride ?? (Quick ? 3 : 5);

    /// <summary>Length of the warm-up windows compared for steadiness, at the highest concurrency.</summary>
    public TimeSpan WarmupWindow => Quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(3);

    /// <summary>Most warm-up windows before giving up on a steady state (reported as not steady).</summary>
    public int WarmupWindowCap => Quick ? 15 : 30;

    /// <summary>No load, after the warm-up: the CPU the processes spend without requests.</summary>
    public TimeSpan IdleWindow => Quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(3);

    /// <summary>Unmeasured load at each concurrency before its repetitions.</summary>
    public TimeSpan LevelWarmup => Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(2);

    public TimeSpan Measure => Quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(4);

    /// <summary>The Redis floor's window before each repetition (it serves thousands of requests a second).</summary>
    public TimeSpan FloorMeasure => Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(2);

    public const string Usage = """
        Request/reply benchmarks: the Redis Streams floor, the plumbing floor and the full local stack, in one run.

        Usage: dotnet run -c Release --project tests/benchmarks -- [options]

          --quick               shorter windows, 3 repetitions (the whole run in 4 to 5 minutes)
          --json FILE           write machine, settings and per-case figures as JSON
          --concurrency 1,16,64 concurrency levels (default 1,16,64; the per-hop breakdown needs 1)
          --repetitions N       measured windows per case and level (default 5, 3 with --quick)
          --cases a,b           only these cases: redis-floor, plumbing-floor, full-stack, full-stack-direct
                                (the Redis floor still runs between repetitions, as the reference)
          -h, --help            this text

        Exit codes: 0 every case that ran had no errors, 1 an error or a fault, 64 bad arguments.
        A case that cannot run here (no redis-server, an unsupported mode) is reported as skipped.
        """;

    /// <summary>The settings, or the exit code to end with (help, bad usage: <see cref="TestSupport.CommandLine"/>).</summary>
    public static (BenchmarkSettings? Settings, int? Exit) Parse(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var settings = new BenchmarkSettings();
        var exit = new TestSupport.CommandLine(Usage)
            .Flag("--quick", () => settings = settings with { Quick = true })
            .Option("--json", value => settings = settings with { JsonFile = value })
            .Option("--concurrency", value =>
            {
                var levels = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (levels.Length == 0 || !levels.All(l => int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0))
                {
                    throw new FormatException($"--concurrency takes positive numbers separated by commas, not '{value}'.");
                }
                settings = settings with { Concurrencies = [.. levels.Select(l => int.Parse(l, CultureInfo.InvariantCulture))] };
            })
            .Option("--repetitions", value => settings = settings with
            {
                RepetitionsOverride = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var repetitions) && repetitions >= 1
                    ? repetitions
                    : throw new FormatException($"--repetitions takes a positive number, not '{value}'."),
            })
            .Option("--cases", value => settings = settings with { Cases = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal) })
            .Parse(args, output, error);
        return exit is null ? (settings, null) : (null, exit);
    }
}
