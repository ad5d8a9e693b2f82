using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Faults.Reporting;

public sealed record FaultReport(Machine Machine, DateTimeOffset StartedAt, TimeSpan Duration, IReadOnlyList<ScenarioResult> Scenarios)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public bool Passed => Scenarios.All(s => s.Passed);

    public void Render(IAnsiConsole console)
    {
        console.MarkupLine($"[bold]Fault suite[/] on {Markup.Escape(Machine.ToString())}, started {StartedAt:yyyy-MM-dd HH:mm} UTC");
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("Scenario")
            .AddColumn(new TableColumn("Sent").RightAligned())
            .AddColumn(new TableColumn("Accepted").RightAligned())
            .AddColumn(new TableColumn("Refused").RightAligned())
            .AddColumn(new TableColumn("Completed").RightAligned())
            .AddColumn(new TableColumn("Lost").RightAligned())
            .AddColumn(new TableColumn("Duplicated").RightAligned())
            .AddColumn(new TableColumn("Republished").RightAligned())
            .AddColumn(new TableColumn("Recovered in (bound)").RightAligned())
            .AddColumn(new TableColumn("Run").RightAligned())
            .AddColumn("Result");
        foreach (var s in Scenarios)
        {
            table.AddRow(
                Markup.Escape(s.Name),
                Number(s.Sent), Number(s.Accepted), Number(s.Refused), Number(s.Completed),
                s.Lost == s.ExpectedLost ? Lost(s) : $"[red]{Lost(s)}[/]",
                s.Duplicated == 0 ? "0" : $"[red]{s.Duplicated}[/]",
                Number(s.Republished),
                (s.RecoveredInTime ? "" : "[red]") + (s.Recovery is { } r ? Seconds(r) : "never") + $" ({Seconds(s.RecoveryBound)})" + (s.RecoveredInTime ? "" : "[/]"),
                Seconds(s.Duration),
                s.Passed ? "[green]pass[/]" : "[red]FAIL[/]");
        }
        console.Write(table);

        foreach (var s in Scenarios)
        {
            console.MarkupLine($"[bold]{Markup.Escape(s.Name)}[/]: {Markup.Escape(s.Title)}");
            foreach (var check in s.Checks)
            {
                console.MarkupLine($"  {(check.Passed ? "[green]ok[/]    " : "[red]FAILED[/]")} {Markup.Escape(check.Name)}: {Markup.Escape(check.Detail)}");
            }
            foreach (var note in s.Notes)
            {
                console.MarkupLine($"  [grey]note[/]   {Markup.Escape(note)}");
            }
            foreach (var lost in s.LostRequests.Take(10))
            {
                console.MarkupLine($"  [red]lost[/]   {Markup.Escape(lost)}");
            }
        }
        console.MarkupLine($"Run time {Seconds(Duration)}; {(Passed ? "[green]every scenario passed[/]" : $"[red]{Scenarios.Count(s => !s.Passed)} scenario(s) failed[/]")}.");
    }

    public void WriteJson(string path)
    {
        var document = new
        {
            machine = Machine,
            startedAt = StartedAt,
            durationSeconds = Math.Round(Duration.TotalSeconds, 1),
            passed = Passed,
            scenarios = Scenarios.Select(s => new
            {
                s.Name,
                s.Title,
                s.Sent,
                s.Accepted,
                s.Refused,
                s.Completed,
                s.Lost,
                s.Duplicated,
                s.Republished,
                recoverySeconds = s.Recovery is { } r ? Math.Round(r.TotalSeconds, 1) : (double?)null,
                recoveryBoundSeconds = s.RecoveryBound.TotalSeconds,
                durationSeconds = Math.Round(s.Duration.TotalSeconds, 1),
                s.Passed,
                s.Checks,
                s.Notes,
                s.LostRequests,
                s.Diagnostics,
            }),
        };
        WriteFile(path, JsonSerializer.Serialize(document, Json));
    }

    /// <summary>The README's fault table: one row per scenario.</summary>
    public void WriteMarkdown(string path)
    {
        var lines = new List<string>
        {
            $"Fault suite on {Machine}, started {StartedAt:yyyy-MM-dd HH:mm} UTC, {Seconds(Duration)}: {(Passed ? "every scenario passed" : $"{Scenarios.Count(s => !s.Passed)} scenario(s) failed")}.",
            "",
            "| scenario | sent | accepted | refused | completed | lost | duplicated | republished | recovered in (bound) | result |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        };
        lines.AddRange(Scenarios.Select(s =>
            $"| {s.Name} | {Number(s.Sent)} | {Number(s.Accepted)} | {Number(s.Refused)} | {Number(s.Completed)} | {Lost(s)} | {Number(s.Duplicated)} | " +
            $"{Number(s.Republished)} | {(s.Recovery is { } r ? Seconds(r) : "never")} ({Seconds(s.RecoveryBound)}) | {(s.Passed ? "pass" : "FAIL")} |"));
        WriteFile(path, string.Join('\n', lines) + "\n");
    }

    private static void WriteFile(string path, string text)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
        File.WriteAllText(path, text);
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Lost(ScenarioResult s) => s.ExpectedLost == 0 ? Number(s.Lost) : $"{Number(s.Lost)} ({Number(s.ExpectedLost)} expected)";

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
}
