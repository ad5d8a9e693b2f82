using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Benchmarks.Cases;
using Benchmarks.Measurement;
using Benchmarks.Results;
using LoadTest.Reporting;
using Spectre.Console;

namespace Benchmarks.Reporting;

/// <summary>What the run prints and writes as JSON: settings, cases, cold phases, CPU, memory and the per-hop breakdown.</summary>
internal sealed record BenchmarkReport(
    MachineInfo Machine,
    RunSettings Settings,
    IReadOnlyDictionary<string, string> Descriptions,
    IReadOnlyDictionary<string, Dictionary<string, string>> Processes,
    IReadOnlyList<CaseResult> Cases,
    IReadOnlyList<ColdPhase> ColdPhases,
    IReadOnlyDictionary<string, HopBreakdown> Breakdowns,
    IReadOnlyDictionary<string, Dictionary<string, double?>> IdleCpuMsPerSecond,
    IReadOnlyDictionary<string, Dictionary<string, double>> RedisCallsPerRequest,
    IReadOnlyDictionary<string, double> SpansPerRequest,
    IReadOnlyList<TargetCheck> Targets)
{
    public const string RedisFloor = "redis-floor";
    public const string PlumbingFloor = "plumbing-floor";

    private static readonly JsonSerializerOptions Json = new(JsonReport.Options)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static BenchmarkReport Create(MachineInfo machine, BenchmarkSettings settings, IReadOnlyDictionary<string, string> descriptions, SuiteResults results)
    {
        var cases = results.Cases.Select(c => c with { RatioToPlumbingFloor = RatioOfMedians(c, results.Cases, PlumbingFloor) }).ToList();
        return new BenchmarkReport(machine, RunSettings.From(settings), descriptions, results.Processes, cases, results.ColdPhases, results.Breakdowns, results.IdleCpuMsPerSecond, results.RedisCallsPerRequest, results.SpansPerRequest,
            TargetCheck.From(cases, results.ColdPhases));
    }

    /// <summary>A case's median throughput over another case's median at the same concurrency.</summary>
    public static double? RatioOfMedians(CaseResult result, IEnumerable<CaseResult> all, string reference) =>
        result.Name is not (RedisFloor or PlumbingFloor)
        && all.FirstOrDefault(c => c.Name == reference && c.Concurrency == result.Concurrency) is { ThroughputRps.Median: > 0 } floor
        && result.ThroughputRps is { } throughput
            ? Math.Round(throughput.Median / floor.ThroughputRps.Median, 4)
            : null;

    public async Task WriteJsonAsync(string path, CancellationToken cancellationToken)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, this, Json, cancellationToken);
    }

    public void Write(IAnsiConsole console)
    {
        WriteThroughput(console);
        WriteCpu(console);
        WriteMemory(console);
        WriteColdPhases(console);
        WriteBreakdowns(console);
        WriteRedisCalls(console);
        WriteTargets(console);

        foreach (var (name, reason) in Cases.Where(c => c.Skipped is not null).Select(c => (c.Name, c.Skipped)).Distinct())
        {
            console.MarkupLine($"[yellow]{Markup.Escape(name)} skipped:[/] {Markup.Escape(reason ?? "")}");
        }
        foreach (var result in Cases.Where(c => c.Failed))
        {
            console.MarkupLine($"[red]{Markup.Escape(result.Name)} c={result.Concurrency}:[/] {Markup.Escape(result.Fault ?? "")} " +
                Markup.Escape(string.Join("; ", result.ErrorsByType().Select(e => $"{e.Count} × {e.Type}: {e.Example}"))));
        }
    }

    private void WriteThroughput(IAnsiConsole console)
    {
        var table = CaseTable(
            $"[bold]Request/reply[/] [grey](median of {Settings.Repetitions} repetitions, min–max; {Machine.Host.Cores} cores, {Markup.Escape(Machine.Host.Dotnet)}, {Markup.Escape(Machine.Host.Configuration)}{(Machine.Quick ? ", quick" : "")})[/]",
            "requests", "errors", "req/s", "× Redis floor (per repetition)", "× plumbing floor", "p50 ms", "p99 ms");
        foreach (var result in Cases)
        {
            if (result.Skipped is not null)
            {
                table.AddRow(Markup.Escape(result.Name), N(result.Concurrency), "", "", "", "", "", "", "[yellow]skipped[/]");
                continue;
            }
            table.AddRow(
                Markup.Escape(result.Name),
                N(result.Concurrency),
                N(result.Requests ?? 0),
                result.Errors == 0 && result.Fault is null ? "[green]0[/]" : $"[red]{N(result.Errors ?? 0)}{(result.Fault is null ? "" : " + fault")}[/]",
                Range(result.ThroughputRps, "N0"),
                Range(result.RatioToRedisFloor, "0.0000"),
                result.RatioToPlumbingFloor is { } plumbing ? plumbing.ToString("0.000", CultureInfo.InvariantCulture) : "",
                Range(result.P50Ms, "0.00"),
                Range(result.P99Ms, "0.0"));
        }
        console.Write(table);
    }

    private void WriteCpu(IAnsiConsole console)
    {
        var ran = Cases.Where(c => c.Skipped is null).ToList();
        if (ran.Count == 0)
        {
            return;
        }
        var table = CaseTable(
            $"[bold]CPU ms per request[/] [grey](utime+stime from /proc/<pid>/stat, {Machine.ClockTicksPerSecond} ticks/s; median of the repetitions)[/]",
            [.. WatchedProcess.Slots.Select(Markup.Escape), "[bold]product[/] (ingress+proxy)", "infrastructure", "all"]);
        foreach (var result in ran)
        {
            table.AddRow([
                Markup.Escape(result.Name),
                N(result.Concurrency),
                .. WatchedProcess.Slots.Select(s => result.CpuMsPerRequest?.GetValueOrDefault(s) is { } spread ? Ms(spread.Median) : ""),
                result.ProductCpuMsPerRequest is { } product ? $"[bold]{Range(product, "0.000")}[/]" : "",
                Range(result.InfrastructureCpuMsPerRequest, "0.000"),
                Range(result.TotalCpuMsPerRequest, "0.000"),
            ]);
        }
        console.Write(table);
        console.MarkupLine("[grey]Slots: full-stack = ingress, ingress-dapr, proxy, proxy-dapr (test sidecars); plumbing-floor = edge, edge-broker, back, back-broker; " +
            "redis-floor = requester and responder both in the load generator (this process). Product = the apps we ship; infrastructure = sidecars, Redis, load generator.[/]");
        foreach (var (name, idle) in IdleCpuMsPerSecond)
        {
            console.MarkupLine($"[grey]Idle CPU ms/s after {Markup.Escape(name)}: {Markup.Escape(string.Join(", ", WatchedProcess.Slots.Where(idle.ContainsKey).Select(s => $"{s} {idle[s]:0.#}")))}[/]");
        }
    }

    private void WriteMemory(IAnsiConsole console)
    {
        var ran = Cases.Where(c => c.Skipped is null).ToList();
        if (ran.Count == 0)
        {
            return;
        }
        var table = CaseTable("[bold]Peak RSS (MB), largest over the repetitions[/]", WatchedProcess.Slots.Select(Markup.Escape));
        foreach (var result in ran)
        {
            table.AddRow([
                Markup.Escape(result.Name),
                N(result.Concurrency),
                .. WatchedProcess.Slots.Select(s => result.PeakRssMb?.GetValueOrDefault(s) is { } mb ? mb.ToString("0", CultureInfo.InvariantCulture) : ""),
            ]);
        }
        console.Write(table);
    }

    private void WriteColdPhases(IAnsiConsole console)
    {
        if (ColdPhases.Count == 0)
        {
            return;
        }
        var table = CaseTable(
                $"[bold]Cold phase[/] [grey](fresh processes; windows of equal length until {SteadyState.DefaultWindows} consecutive ones agree within {SteadyState.DefaultTolerance:P0} in req/s and CPU ms/req and the processes go quiet within a second of CPU after the load; | = a pause after a false plateau)[/]",
                "first window req/s", "first window CPU ms/req (product / all)", "requests until steady", "seconds until steady", "steady req/s", "then quiet after s (CPU ms)")
            .AddColumn("windows (req/s)");
        foreach (var cold in ColdPhases)
        {
            var first = cold.Windows.FirstOrDefault();
            table.AddRow(
                Markup.Escape(cold.Name),
                N(cold.Concurrency),
                cold.FirstWindowRps.ToString("N0", CultureInfo.InvariantCulture),
                first is null ? "" : $"{(first.ProductCpuMsPerRequest is { } p ? Ms(p) : "-")} / {(first.CpuMsPerRequest is { } a ? Ms(a) : "-")}",
                cold.Steady ? N(cold.RequestsUntilSteady ?? 0) : "[yellow]not steady[/]",
                cold.SecondsUntilSteady is { } seconds ? seconds.ToString("0.#", CultureInfo.InvariantCulture) : "",
                cold.SteadyRps is { } steady ? steady.ToString("N0", CultureInfo.InvariantCulture) : "",
                cold.SecondsUntilQuiet is { } quiet ? $"{quiet:0.#} ({cold.CpuMsUntilQuiet:N0})" : "",
                $"{cold.WindowSeconds:0.#} s: " + string.Join(" ", cold.Windows.Select((w, i) =>
                    (cold.Pauses.Any(p => p.AfterWindows == i) ? "| " : "") + w.ThroughputRps.ToString("0", CultureInfo.InvariantCulture))));
        }
        console.Write(table);
    }

    private void WriteTargets(IAnsiConsole console)
    {
        var table = new Table().Title("The performance issue's targets (c = 64 unless said; medians)")
            .AddColumn("measure").AddColumn(new TableColumn("this run").RightAligned()).AddColumn(new TableColumn("target").RightAligned()).AddColumn("met");
        foreach (var target in Targets)
        {
            table.AddRow(Markup.Escape(target.Measure), Markup.Escape(target.Measured), Markup.Escape(target.Target),
                target.Met switch { true => "[green]yes[/]", false => "[red]no[/]", null => "[grey]-[/]" });
        }
        console.Write(table);
    }

    private void WriteRedisCalls(IAnsiConsole console)
    {
        if (RedisCallsPerRequest.Count == 0)
        {
            return;
        }
        var names = RedisCallsPerRequest.Keys.ToList();
        var table = new Table().Title("Redis commands per request (c = 16; inside Lua scripts too)").AddColumn("command");
        foreach (var name in names)
        {
            table.AddColumn(new TableColumn(Markup.Escape(name)).RightAligned());
        }
        foreach (var command in names.SelectMany(n => RedisCallsPerRequest[n].Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            table.AddRow([Markup.Escape(command), .. names.Select(n => RedisCallsPerRequest[n].TryGetValue(command, out var calls) ? calls.ToString("0.##", CultureInfo.InvariantCulture) : "")]);
        }
        console.Write(table);
        console.MarkupLine("[grey]For the full stack: multi = state transactions, eval = state operations (one script each: upsert or delete), hgetall = state reads; workflow state is the actor state store's.[/]");
        foreach (var (name, spans) in SpansPerRequest)
        {
            console.MarkupLine($"{Markup.Escape(name)}: {spans.ToString("0.#", CultureInfo.InvariantCulture)} spans exported per request by the apps, to a live collector");
        }
    }

    private void WriteBreakdowns(IAnsiConsole console)
    {
        if (Breakdowns.Count == 0)
        {
            return;
        }
        var names = Breakdowns.Keys.ToList();
        var table = new Table()
            .Title("[bold]Where one request's time goes at c = 1[/] [grey](mean ms per hop over the c = 1 repetitions; app clocks and stream entry ids)[/]")
            .AddColumn("hop");
        foreach (var name in names)
        {
            table.AddColumn(new TableColumn(Markup.Escape(name)).RightAligned());
        }
        for (var i = 0; i < HopBreakdown.HopNames.Count; i++)
        {
            table.AddRow([Markup.Escape(HopBreakdown.HopNames[i]), .. names.Select(n => Ms(Breakdowns[n].Hops[i].MeanMs))]);
        }
        table.AddRow(["[bold]total (mean)[/]", .. names.Select(n => $"[bold]{Ms(Breakdowns[n].TotalMeanMs)}[/]")]);
        table.AddRow(["total (p50)", .. names.Select(n => Ms(Breakdowns[n].TotalP50Ms))]);
        table.AddRow(["requests matched", .. names.Select(n => N(Breakdowns[n].Requests))]);
        console.Write(table);
    }

    // A table of one row per case and concurrency: those two columns, then the figures, right-aligned.
    private static Table CaseTable(string title, params IEnumerable<string> figures)
    {
        var table = new Table().Title(title).AddColumn("Case").AddColumn(new TableColumn("c").RightAligned());
        foreach (var figure in figures)
        {
            table.AddColumn(new TableColumn(figure).RightAligned());
        }
        return table;
    }

    private static string Range(Spread? spread, string format) =>
        spread is null
            ? ""
            : spread.Count == 1 || spread.Min.ToString(format, CultureInfo.InvariantCulture) == spread.Max.ToString(format, CultureInfo.InvariantCulture)
                ? spread.Median.ToString(format, CultureInfo.InvariantCulture)
                : $"{spread.Median.ToString(format, CultureInfo.InvariantCulture)} [grey]({spread.Min.ToString(format, CultureInfo.InvariantCulture)}–{spread.Max.ToString(format, CultureInfo.InvariantCulture)})[/]";

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Ms(double value) => value.ToString(value < 10 ? "0.000" : "0.0", CultureInfo.InvariantCulture);
}

/// <summary>The windows and repetitions the figures come from.</summary>
internal sealed record RunSettings(
    IReadOnlyList<int> Concurrencies,
    int Repetitions,
    double MeasureSeconds,
    double FloorMeasureSeconds,
    double LevelWarmupSeconds,
    double WarmupWindowSeconds,
    int WarmupWindowCap,
    int SteadyWindows,
    double SteadyTolerance,
    double IdleSeconds)
{
    public static RunSettings From(BenchmarkSettings settings) => new(
        settings.Concurrencies,
        settings.Repetitions,
        settings.Measure.TotalSeconds,
        settings.FloorMeasure.TotalSeconds,
        settings.LevelWarmup.TotalSeconds,
        settings.WarmupWindow.TotalSeconds,
        settings.WarmupWindowCap,
        SteadyState.DefaultWindows,
        SteadyState.DefaultTolerance,
        settings.IdleWindow.TotalSeconds);
}
