using System.Globalization;
using LoadTest.Running;
using Spectre.Console;

namespace LoadTest.Reporting;

internal static class ConsoleReport
{
    public static void Write(IAnsiConsole console, string title, LoadSummary summary)
    {
        var outcomes = new Table().Title($"[bold]{Markup.Escape(title)}[/]").AddColumn("Outcome").AddColumn(new TableColumn("Requests").RightAligned()).AddColumn(new TableColumn("Share").RightAligned());
        foreach (var (status, count) in summary.Outcomes)
        {
            var share = summary.Requests == 0 ? 0 : (double)count / summary.Requests;
            outcomes.AddRow(
                $"[{StatusColour(status)}]{Markup.Escape(status)}[/]",
                count.ToString("N0", CultureInfo.InvariantCulture),
                share.ToString("P1", CultureInfo.InvariantCulture));
        }
        console.Write(outcomes);

        var figures = new Table().AddColumn("Measure").AddColumn(new TableColumn("Value").RightAligned());
        figures.AddRow("Requests", summary.Requests.ToString("N0", CultureInfo.InvariantCulture));
        figures.AddRow("Errors", summary.Errors == 0 ? "[green]0[/]" : $"[red]{summary.Errors.ToString("N0", CultureInfo.InvariantCulture)}[/]");
        figures.AddRow("Elapsed", $"{Format(summary.ElapsedSeconds)} s");
        figures.AddRow("Throughput (successful)", $"{Format(summary.ThroughputRps, "N1")} req/s");
        figures.AddRow("Latency p50", $"{Format(summary.P50Ms)} ms");
        figures.AddRow("Latency p90", $"{Format(summary.P90Ms)} ms");
        figures.AddRow("Latency p99", $"{Format(summary.P99Ms)} ms");
        figures.AddRow("Latency max", $"{Format(summary.MaxMs)} ms");
        console.Write(figures);

        if (summary.ErrorsByType.Count > 0)
        {
            var errors = new Table().Title("[red]Errors[/]").AddColumn("Type").AddColumn(new TableColumn("Count").RightAligned()).AddColumn("Example");
            foreach (var error in summary.ErrorsByType)
            {
                errors.AddRow(
                    $"[red]{Markup.Escape(error.Type)}[/]",
                    error.Count.ToString("N0", CultureInfo.InvariantCulture),
                    Markup.Escape(error.Example));
            }
            console.Write(errors);
        }
    }

    private static string StatusColour(string status) => status switch
    {
        "200" => "green",
        "202→200" => "yellow",
        _ => "red",
    };

    private static string Format(double value, string format = "N2") => value.ToString(format, CultureInfo.InvariantCulture);
}
