namespace Benchmarks;

internal sealed record BenchmarkSettings
{
    public bool Quick { get; init; }
    public string? JsonFile { get; init; }
    public IReadOnlyList<int> Concurrencies { get; init; } = [1, 16, 64];
    public IReadOnlySet<string>? Cases { get; init; }
    public bool Help { get; init; }

    // --quick: the whole run (three cases, two stack starts) within 3 minutes on 2 cores.
    public TimeSpan FirstWarmup => Quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(5);
    public TimeSpan Warmup => Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(3);
    public TimeSpan Measure => Quick ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(10);

    public const string Usage = """
        Request/reply benchmarks: the Redis Streams floor and the full local stack, in one run.

        Usage: dotnet run -c Release --project tests/benchmarks -- [options]

          --quick               short warm-up and measurement (the whole run within 3 minutes)
          --json FILE           write machine and per-case figures as JSON
          --concurrency 1,16,64 concurrency levels (default 1,16,64)
          --cases a,b           only these cases: redis-floor, full-stack, full-stack-direct
          -h, --help            this text

        Exit codes: 0 every case that ran had no errors, 1 an error or a fault, 64 bad arguments.
        A case that cannot run here (no redis-server, an unsupported mode) is reported as skipped.
        """;

    public static (BenchmarkSettings? Settings, string? Error) Parse(IReadOnlyList<string> args)
    {
        var settings = new BenchmarkSettings();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                settings = settings with { Help = true };
                continue;
            }
            if (name == "--quick")
            {
                settings = settings with { Quick = true };
                continue;
            }
            if (i + 1 >= args.Count)
            {
                return (null, $"{name} needs a value.");
            }
            var value = args[++i];
            switch (name)
            {
                case "--json":
                    settings = settings with { JsonFile = value };
                    break;
                case "--concurrency":
                    var levels = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (levels.Length == 0 || !levels.All(l => int.TryParse(l, out var n) && n > 0))
                    {
                        return (null, $"--concurrency takes positive numbers separated by commas, not '{value}'.");
                    }
                    settings = settings with { Concurrencies = [.. levels.Select(int.Parse)] };
                    break;
                case "--cases":
                    settings = settings with { Cases = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal) };
                    break;
                default:
                    return (null, $"Unknown option {name}.");
            }
        }
        return (settings, null);
    }

}
