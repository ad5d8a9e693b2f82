using System.Diagnostics;
using Faults;
using Faults.Reporting;
using Spectre.Console;

// dotnet run -c Release --project tests/faults [-- --only a,b] [--json FILE] [--markdown FILE] [--quiet]
// Each scenario starts its own system (redis-server, ingress, proxy, two sidecars: the test sidecar,
// or daprd with RSD_SIDECAR=daprd) on free ports, injects its fault, and reports requests sent,
// completed, lost, duplicated and recovery time.
const string Usage = """
    Usage: dotnet run -c Release --project tests/faults [-- options]
      --only name,name   run these scenarios only (--list names them)
      --json FILE        write the report as JSON
      --markdown FILE    write the report as Markdown
      --quiet            no progress lines, only the report
      --list             list the scenarios and exit
      -h, --help         this text

    Exit codes (TestSupport.ExitCodes): 0 every scenario passed, 1 a scenario failed, 2 redis-server
    or the selected daprd is missing, 64 bad arguments.
    """;
string? jsonPath = null;
string? markdownPath = null;
IReadOnlyList<FaultScenario>? only = null;
var verbose = true;
var list = false;
var exit = new CommandLine(Usage)
    .Option("--json", value => jsonPath = value)
    .Option("--markdown", value => markdownPath = value)
    .Option("--only", value => only = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ScenarioNamed)])
    .Flag("--quiet", () => verbose = false)
    .Flag("--list", () => list = true)
    .Parse(args, Console.Out, Console.Error);
if (exit is { } code)
{
    return code;
}
if (list)
{
    foreach (var scenario in FaultScenarios.All)
    {
        Console.WriteLine($"{scenario.Name,-22} {scenario.Title}");
    }
    return ExitCodes.Ok;
}

if (SidecarUnderTest.Current.UnavailableReason is { } noDaprd)
{
    await Console.Error.WriteLineAsync(noDaprd);
    return ExitCodes.Unavailable;
}
if (RedisServer.FindExecutable() is null)
{
    await Console.Error.WriteLineAsync("redis-server is not installed (apt-get install -y redis-server).");
    return ExitCodes.Unavailable;
}

var scenarios = only ?? FaultScenarios.All;
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var machine = Machine.Describe();
var startedAt = DateTimeOffset.UtcNow;
var clock = Stopwatch.StartNew();
var results = new List<ScenarioResult>();
foreach (var scenario in scenarios)
{
    if (cancel.IsCancellationRequested)
    {
        break;
    }
    results.Add(await scenario.RunAsync(verbose ? line => Console.WriteLine(line) : null, cancel.Token));
}

var report = new FaultReport(machine, startedAt, clock.Elapsed, results);
if (Console.IsOutputRedirected)
{
    // Piped to a file or CI log: do not squeeze the table into 80 columns.
    AnsiConsole.Console.Profile.Width = 200;
}
report.Render(AnsiConsole.Console);
if (jsonPath is not null)
{
    report.WriteJson(jsonPath);
    Console.WriteLine($"JSON written to {jsonPath}");
}
if (markdownPath is not null)
{
    report.WriteMarkdown(markdownPath);
    Console.WriteLine($"Markdown written to {markdownPath}");
}
return report.Passed ? ExitCodes.Ok : ExitCodes.Failed;

static FaultScenario ScenarioNamed(string name) =>
    FaultScenarios.All.FirstOrDefault(s => s.Name == name)
    ?? throw new FormatException($"--only: no scenario '{name}' (scenarios: {string.Join(", ", FaultScenarios.All.Select(s => s.Name))}).");
