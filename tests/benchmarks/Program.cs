using Benchmarks;
using Benchmarks.Cases;
using Benchmarks.Measurement;
using Benchmarks.Reporting;
using Spectre.Console;

var (settings, exit) = BenchmarkSettings.Parse(args, Console.Out, Console.Error);
if (settings is null)
{
    return exit ?? TestSupport.ExitCodes.Usage;
}

// Redirected output (CI logs, files) would otherwise wrap the tables at 80 columns.
if (Console.IsOutputRedirected)
{
    AnsiConsole.Profile.Width = 200;
}

using var interrupted = new TestSupport.Interruption();

var machine = MachineInfo.Describe(settings.Quick);
if (machine.Host.Configuration != "Release")
{
    AnsiConsole.MarkupLine($"[yellow]Built in {Markup.Escape(machine.Host.Configuration)}: figures are not comparable (use -c Release).[/]");
}

BenchmarkCase[] cases = [RedisFloorTarget.Case, PlumbingFloorTarget.Case, FullStackTarget.Workflow, FullStackTarget.Direct];
var results = await new BenchmarkSuite(settings, AnsiConsole.Console).RunAsync(cases, RedisFloorTarget.Case, interrupted.Token);

var report = BenchmarkReport.Create(
    machine,
    settings,
    cases.Where(c => results.Cases.Any(r => r.Name == c.Name)).ToDictionary(c => c.Name, c => c.Description),
    results);
report.Write(AnsiConsole.Console);
if (settings.JsonFile is { } json)
{
    await report.WriteJsonAsync(json, CancellationToken.None);
    AnsiConsole.MarkupLine($"JSON written to [blue]{Markup.Escape(json)}[/]");
}
return results.Cases.Any(r => r.Failed) || results.Cases.All(r => r.Skipped is not null) ? TestSupport.ExitCodes.Failed : TestSupport.ExitCodes.Ok;
