using System.Text.Json.Serialization;
using Benchmarks.Cases;
using Benchmarks.Measurement;
using LoadTest.Running;
using Spectre.Console;

namespace Benchmarks;

/// <summary>
/// Runs each case at each concurrency: start its target once, warm up, then per level a short
/// warm-up and a timed closed-model run with the peak RSS of its processes sampled alongside.
/// </summary>
internal sealed class BenchmarkSuite(BenchmarkSettings settings, IAnsiConsole console)
{
    public async Task<IReadOnlyList<CaseResult>> RunAsync(IEnumerable<BenchmarkCase> cases, CancellationToken cancellationToken)
    {
        var results = new List<CaseResult>();
        foreach (var benchmark in cases)
        {
            if (settings.Cases is { } only && !only.Contains(benchmark.Name))
            {
                continue;
            }
            console.MarkupLine($"[bold]{benchmark.Name}[/]: [grey]{Markup.Escape(benchmark.Description)}[/]");
            CaseStart start;
            try
            {
                start = await benchmark.StartAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                start = CaseStart.Skipped($"could not start: {ex.GetType().Name}: {FirstLine(ex.Message)}");
                console.WriteLine(ex.ToString());
            }

            if (start.Target is not { } target)
            {
                console.MarkupLine($"  [yellow]skipped:[/] {Markup.Escape(start.SkipReason ?? "")}");
                results.AddRange(settings.Concurrencies.Select(c => CaseResult.Skip(benchmark.Name, c, start.SkipReason ?? "")));
                continue;
            }

            await using (target)
            {
                await RunLoadAsync(target, settings.Concurrencies.Max(), settings.FirstWarmup, cancellationToken);
                foreach (var concurrency in settings.Concurrencies)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    await RunLoadAsync(target, concurrency, settings.Warmup, cancellationToken);
                    target.BeginMeasurement();
                    await using var rss = new RssSampler(target.Processes);
                    var stats = new LoadStats();
                    var elapsed = await LoadRunner.RunAsync(new LoadPlan(concurrency, Duration: settings.Measure), target.SendAsync, stats, cancellationToken);
                    var peaks = await rss.StopAsync();
                    var summary = stats.Summarize(elapsed);
                    var stages = await target.StagesAsync(cancellationToken);
                    results.Add(CaseResult.From(benchmark.Name, concurrency, summary, peaks, target.Fault) with { Stages = stages });
                    console.MarkupLine($"  c={concurrency,-3} {summary.ThroughputRps,10:N0} req/s  p50 {summary.P50Ms,8:N2} ms  p99 {summary.P99Ms,8:N2} ms  errors {(summary.Errors == 0 ? "0" : $"[red]{summary.Errors}[/]")}");
                    if (stages is not null)
                    {
                        console.MarkupLine($"  [grey]stages: {Markup.Escape(string.Join(", ", stages.Select(s => $"{s.Key} {s.Value:0.#}")))}[/]");
                    }
                }
            }
        }
        return results;
    }

    private static async Task RunLoadAsync(IBenchmarkTarget target, int concurrency, TimeSpan duration, CancellationToken cancellationToken) =>
        await LoadRunner.RunAsync(new LoadPlan(concurrency, Duration: duration), target.SendAsync, new LoadStats(), cancellationToken);

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}

/// <summary>One case at one concurrency. A skipped case carries only its name, level and reason.</summary>
internal sealed record CaseResult(
    string Name,
    int Concurrency,
    long? Requests,
    long? Errors,
    double? ThroughputRps,
    double? P50Ms,
    double? P90Ms,
    double? P99Ms,
    double? MaxMs,
    IReadOnlyDictionary<string, double?>? PeakRssMb,
    IReadOnlyList<ErrorSummary>? ErrorsByType = null,
    string? Fault = null,
    string? Skipped = null,
    IReadOnlyDictionary<string, double>? Stages = null)
{
    [JsonIgnore]
    public bool Failed => Skipped is null && (Errors > 0 || Requests is null or 0 || Fault is not null);

    public static CaseResult From(string name, int concurrency, LoadSummary summary, IReadOnlyDictionary<string, double?> peaks, string? fault) =>
        new(name, concurrency, summary.Requests, summary.Errors,
            Math.Round(summary.ThroughputRps, 1), summary.P50Ms, summary.P90Ms, summary.P99Ms, summary.MaxMs, peaks,
            summary.ErrorsByType.Count > 0 ? summary.ErrorsByType : null, fault);

    public static CaseResult Skip(string name, int concurrency, string reason) =>
        new(name, concurrency, null, null, null, null, null, null, null, null, Skipped: reason);
}
