using System.Diagnostics;
using System.Globalization;
using Benchmarks.Cases;
using Benchmarks.Measurement;
using Benchmarks.Results;
using Spectre.Console;

namespace Benchmarks;

/// <summary>
/// Runs each case: start its target, warm it up at the highest concurrency until two consecutive
/// windows agree (the cold phase, reported), then per concurrency a short warm-up and repetitions,
/// each a window of the Redis floor followed by a window of the case, so every repetition has its
/// own ratio to the floor under the same conditions.
/// </summary>
internal sealed class BenchmarkSuite(BenchmarkSettings settings, IAnsiConsole console)
{
    public async Task<SuiteResults> RunAsync(IReadOnlyList<BenchmarkCase> cases, BenchmarkCase floorCase, CancellationToken cancellationToken)
    {
        var results = new SuiteResults();
        var selected = cases.Where(c => settings.Cases is not { } only || only.Contains(c.Name)).ToList();
        if (selected.Count == 0)
        {
            return results;
        }

        // The Redis floor runs for the whole suite: the reference between repetitions of every case.
        console.MarkupLine($"[bold]{floorCase.Name}[/]: [grey]{Markup.Escape(floorCase.Description)}[/]");
        var floorStart = await StartAsync(floorCase, cancellationToken);
        await using var floor = floorStart.Target;
        if (floor is null)
        {
            console.MarkupLine($"  [yellow]skipped:[/] {Markup.Escape(floorStart.SkipReason ?? "")}; no ratios to the floor");
        }

        foreach (var benchmark in selected)
        {
            var isFloor = benchmark.Name == floorCase.Name;
            if (!isFloor)
            {
                console.MarkupLine($"[bold]{benchmark.Name}[/]: [grey]{Markup.Escape(benchmark.Description)}[/]");
            }
            var start = isFloor ? floorStart : await StartAsync(benchmark, cancellationToken);
            if (start.Target is not { } target)
            {
                console.MarkupLine($"  [yellow]skipped:[/] {Markup.Escape(start.SkipReason ?? "")}");
                results.Cases.AddRange(settings.Concurrencies.Select(c => CaseResult.Skip(benchmark.Name, c, start.SkipReason ?? "")));
                continue;
            }
            try
            {
                results.Processes[benchmark.Name] = target.Processes.ToDictionary(p => p.Slot, p => p.Name, StringComparer.Ordinal);
                results.ColdPhases.Add(await WarmUntilSteadyAsync(benchmark.Name, target, cancellationToken));
                foreach (var concurrency in settings.Concurrencies)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    results.Cases.Add(await MeasureLevelAsync(benchmark.Name, target, isFloor ? null : floor, concurrency, results, cancellationToken));
                }
                if (target.RedisEndpoint is { } redisEndpoint)
                {
                    var calls = await RedisCalls.PerRequestAsync(target, redisEndpoint, settings.Measure, cancellationToken);
                    results.RedisCallsPerRequest[benchmark.Name] = calls;
                    console.MarkupLine($"  Redis commands per request: {Markup.Escape(string.Join(", ", calls.Select(c => $"{c.Key} {c.Value:0.##}")))}");
                }
                // What the processes burn with no request (timers, polling, probes): in every figure
                // per request, and most of it at low rates.
                await SettleAsync(target, cancellationToken);
                var idle = await CpuRateAsync(target, settings.IdleWindow, cancellationToken);
                results.IdleCpuMsPerSecond[benchmark.Name] = idle;
                console.MarkupLine($"  idle: {string.Join(", ", idle.Select(p => $"{p.Key} {p.Value:0.#}"))} CPU ms/s");
                // Read after the idle window: by then the exporters have sent their last batches.
                if (target.SpansPerRequest is { } spans)
                {
                    results.SpansPerRequest[benchmark.Name] = spans;
                    console.MarkupLine($"  spans exported per request: {spans:0.#}");
                }
            }
            finally
            {
                if (!isFloor)
                {
                    await target.DisposeAsync();
                }
            }
        }
        return results;
    }

    private async Task<CaseStart> StartAsync(BenchmarkCase benchmark, CancellationToken cancellationToken)
    {
        try
        {
            return await benchmark.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            console.WriteLine(ex.ToString());
            return CaseStart.Skipped($"could not start: {ex.GetType().Name}: {ex.Message.Split('\n', 2)[0].Trim()}");
        }
    }

    private async Task<ColdPhase> WarmUntilSteadyAsync(string name, IBenchmarkTarget target, CancellationToken cancellationToken)
    {
        var concurrency = settings.Concurrencies.Max();
        var windows = new List<WarmupWindow>();
        var pauses = new List<WarmupPause>();
        int? steady = null;
        var searchFrom = 0;
        double settleSeconds = 0, settleCpuMs = 0;
        while (steady is null && windows.Count < settings.WarmupWindowCap)
        {
            var window = await MeasuredWindow.RunAsync(target, concurrency, settings.WarmupWindow, sampleMemory: false, cancellationToken);
            windows.Add(WarmupWindow.From(window));
            if (SteadyState.FirstSteadyWindow(
                [.. windows.Skip(searchFrom).Select(w => w.ThroughputRps)],
                [.. windows.Skip(searchFrom).Select(w => w.CpuMsPerRequest)]) is not { } found)
            {
                continue;
            }
            // Under load, tiered compilation keeps postponing promotions while new methods still
            // appear; once the load stops it compiles them all. A plateau followed by seconds of
            // such work was not the steady state: warm up again after it, and judge afresh.
            (settleSeconds, settleCpuMs) = await SettleAsync(target, cancellationToken);
            if (settleCpuMs <= SteadyBacklogCpuMs)
            {
                steady = searchFrom + found;
            }
            else
            {
                pauses.Add(new WarmupPause(windows.Count, Math.Round(settleSeconds, 1), Math.Round(settleCpuMs)));
                searchFrom = windows.Count;
            }
        }
        if (steady is null)
        {
            (settleSeconds, settleCpuMs) = await SettleAsync(target, cancellationToken);
        }
        var cold = ColdPhase.From(name, concurrency, settings.WarmupWindow, windows, steady) with
        {
            SecondsUntilQuiet = Math.Round(settleSeconds, 1),
            CpuMsUntilQuiet = Math.Round(settleCpuMs),
            Pauses = pauses,
        };
        console.MarkupLine(
            $"  warm-up at c={concurrency}, {settings.WarmupWindow.TotalSeconds:0} s windows: " +
            string.Join(", ", windows.Select(w => w.ThroughputRps.ToString("N0", CultureInfo.InvariantCulture))) + " req/s; " +
            (cold.Steady
                ? $"steady after {cold.RequestsUntilSteady:N0} requests and {cold.SecondsUntilSteady:0.#} s"
                : $"[yellow]not steady after {windows.Count} windows[/]") +
            (pauses.Count > 0 ? $"; {pauses.Count} plateau(s) followed by {string.Join(", ", pauses.Select(p => $"{p.CpuMs:N0}"))} ms of CPU with no load" : "") +
            $"; quiet {settleSeconds:0.#} s later ({settleCpuMs:N0} ms of CPU with no load)");
        return cold;
    }

    // After the load stops, tiered compilation catches up on what the warm-up made hot (seconds of
    // CPU on two cores). Waiting for that keeps it out of the first measured windows.
    private static async Task<(double Seconds, double CpuMs)> SettleAsync(IBenchmarkTarget target, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var cpuMs = 0.0;
        for (var i = 0; i < QuietMaxSeconds; i++)
        {
            var rate = await CpuRateAsync(target, TimeSpan.FromSeconds(1), cancellationToken);
            var total = rate.Values.Sum(v => v ?? 0);
            cpuMs += total;
            if (total < QuietCpuMsPerSecond)
            {
                break;
            }
        }
        return (Stopwatch.GetElapsedTime(started).TotalSeconds, cpuMs);
    }

    // A steady run must be followed by less than this much CPU, all processes together, once the load stops.
    private const double SteadyBacklogCpuMs = 1000;

    // Quiet: the watched processes together below a tenth of a core, or this many seconds have passed.
    private const double QuietCpuMsPerSecond = 100;
    private const int QuietMaxSeconds = 20;

    /// <summary>CPU ms per second of each watched process over a period with no load from us.</summary>
    private static async Task<Dictionary<string, double?>> CpuRateAsync(IBenchmarkTarget target, TimeSpan period, CancellationToken cancellationToken)
    {
        var before = ProcessCpu.Snapshot(target.Processes);
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(period, cancellationToken);
        var after = ProcessCpu.Snapshot(target.Processes);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return before.ToDictionary(
            p => p.Key,
            p => p.Value is { } start && after.GetValueOrDefault(p.Key) is { } end
                ? Math.Round((end - start) * 1000.0 / ProcessCpu.TicksPerSecond / seconds, 1)
                : (double?)null,
            StringComparer.Ordinal);
    }

    private async Task<CaseResult> MeasureLevelAsync(
        string name, IBenchmarkTarget target, IBenchmarkTarget? floor, int concurrency, SuiteResults results, CancellationToken cancellationToken)
    {
        await MeasuredWindow.RunAsync(target, concurrency, settings.LevelWarmup, sampleMemory: false, cancellationToken);
        if (floor is not null)
        {
            await MeasuredWindow.RunAsync(floor, concurrency, settings.FloorMeasure / 2, sampleMemory: false, cancellationToken);
        }
        var breakdown = concurrency == 1;
        if (breakdown)
        {
            target.BeginBreakdown();
        }

        var repetitions = new List<Repetition>();
        string? fault = null;
        for (var i = 0; i < settings.Repetitions; i++)
        {
            var floorWindow = floor is null ? null : await MeasuredWindow.RunAsync(floor, concurrency, settings.FloorMeasure, sampleMemory: false, cancellationToken);
            var window = await MeasuredWindow.RunAsync(target, concurrency, settings.Measure, sampleMemory: true, cancellationToken);
            var repetition = Repetition.From(window, floorWindow);
            repetitions.Add(repetition);
            fault ??= target.Fault;
            console.MarkupLine(
                $"  c={concurrency,-3} {i + 1}/{settings.Repetitions} {repetition.ThroughputRps,9:N0} req/s" +
                (repetition.RatioToRedisFloor is { } ratio ? $" ({ratio:0.0000} of the floor's {repetition.FloorThroughputRps:N0})" : "") +
                $"  p50 {repetition.P50Ms,7:N2} ms  p99 {repetition.P99Ms,8:N2} ms" +
                $"  CPU ms/request: product {Ms(repetition.ProductCpuMsPerRequest)}, all {Ms(repetition.TotalCpuMsPerRequest)}" +
                $"  errors {(repetition.Errors == 0 ? "0" : $"[red]{repetition.Errors}[/]")}");
        }

        if (breakdown && await target.BreakdownAsync() is { } hops)
        {
            results.Breakdowns[name] = hops;
        }
        return CaseResult.From(name, concurrency, repetitions, fault);
    }

    private static string Ms(double? value) => value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "?";
}
