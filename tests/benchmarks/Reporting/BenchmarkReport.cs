using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Benchmarks.Measurement;
using LoadTest.Reporting;
using Spectre.Console;

namespace Benchmarks.Reporting;

internal sealed record BenchmarkReport(MachineInfo Machine, IReadOnlyDictionary<string, string> Descriptions, IReadOnlyList<CaseResult> Cases)
{
    public const string Floor = "redis-floor";

    private static readonly JsonSerializerOptions Json = new(JsonReport.Options)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public async Task WriteJsonAsync(string path, CancellationToken cancellationToken)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, this, Json, cancellationToken);
    }

    /// <summary>A case's throughput as a share of the floor's at the same concurrency.</summary>
    public double? RatioToFloor(CaseResult result) =>
        Cases.FirstOrDefault(c => c.Name == Floor && c.Concurrency == result.Concurrency && c.Skipped is null) is { ThroughputRps: > 0 } floor
            && result.Skipped is null
                ? result.ThroughputRps / floor.ThroughputRps
                : null;

    public void Write(IAnsiConsole console)
    {
        var table = new Table()
            .Title($"[bold]Request/reply[/] [grey]({Machine.Cores} cores, {Markup.Escape(Machine.Dotnet)}, {Markup.Escape(Machine.Configuration)}{(Machine.Quick ? ", quick" : "")})[/]")
            .AddColumn("Case")
            .AddColumn(new TableColumn("c").RightAligned())
            .AddColumn(new TableColumn("Requests").RightAligned())
            .AddColumn(new TableColumn("Errors").RightAligned())
            .AddColumn(new TableColumn("req/s").RightAligned())
            .AddColumn(new TableColumn("× floor").RightAligned())
            .AddColumn(new TableColumn("p50 ms").RightAligned())
            .AddColumn(new TableColumn("p90 ms").RightAligned())
            .AddColumn(new TableColumn("p99 ms").RightAligned())
            .AddColumn(new TableColumn("max ms").RightAligned());
        foreach (var result in Cases)
        {
            if (result.Skipped is { } reason)
            {
                table.AddRow(
                    Markup.Escape(result.Name), N(result.Concurrency), "", "", "", "", "", "", "",
                    $"[yellow]skipped[/]");
                continue;
            }
            table.AddRow(
                Markup.Escape(result.Name),
                N(result.Concurrency),
                N(result.Requests ?? 0),
                result.Errors == 0 && result.Fault is null ? "[green]0[/]" : $"[red]{N(result.Errors ?? 0)}{(result.Fault is null ? "" : " + fault")}[/]",
                (result.ThroughputRps ?? 0).ToString("N0", CultureInfo.InvariantCulture),
                RatioToFloor(result) is { } ratio ? ratio.ToString("0.000", CultureInfo.InvariantCulture) : "",
                Ms(result.P50Ms ?? 0), Ms(result.P90Ms ?? 0), Ms(result.P99Ms ?? 0), Ms(result.MaxMs ?? 0));
        }
        console.Write(table);
        WriteMemory(console);

        foreach (var (name, reason) in Cases.Where(c => c.Skipped is not null).Select(c => (c.Name, c.Skipped)).Distinct())
        {
            console.MarkupLine($"[yellow]{Markup.Escape(name)} skipped:[/] {Markup.Escape(reason ?? "")}");
        }

        foreach (var result in Cases.Where(c => c.Failed))
        {
            console.MarkupLine($"[red]{Markup.Escape(result.Name)} c={result.Concurrency}:[/] {Markup.Escape(result.Fault ?? "")} " +
                Markup.Escape(string.Join("; ", (result.ErrorsByType ?? []).Select(e => $"{e.Count} × {e.Type}: {e.Example}"))));
        }
    }

    private void WriteMemory(IAnsiConsole console)
    {
        var ran = Cases.Where(c => c.Skipped is null).ToList();
        var processes = ran.SelectMany(c => c.PeakRssMb?.Keys ?? []).Distinct().ToList();
        if (processes.Count == 0)
        {
            return;
        }
        var table = new Table().Title("[bold]Peak RSS (MB) during each measurement[/]").AddColumn("Case").AddColumn(new TableColumn("c").RightAligned());
        foreach (var process in processes)
        {
            table.AddColumn(new TableColumn(Markup.Escape(process)).RightAligned());
        }
        foreach (var result in ran)
        {
            table.AddRow([
                Markup.Escape(result.Name),
                N(result.Concurrency),
                .. processes.Select(p => result.PeakRssMb?.TryGetValue(p, out var mb) == true && mb is { } value ? value.ToString("0", CultureInfo.InvariantCulture) : ""),
            ]);
        }
        console.Write(table);
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Ms(double value) => value.ToString(value < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture);
}
