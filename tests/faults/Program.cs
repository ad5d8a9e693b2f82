using System.Diagnostics;
using Faults;
using Faults.Reporting;
using Spectre.Console;
using TestSupport;

// dotnet run -c Release --project tests/faults [-- --only a,b] [--json FILE] [--markdown FILE] [--quiet]
// Each scenario starts its own system (redis-server, ingress, proxy, two sidecars: the test sidecar,
// or daprd with RSD_SIDECAR=daprd) on free ports, injects its fault, and reports requests sent,
// completed, lost, duplicated and recovery time.
string? jsonPath = null;
string? markdownPath = null;
string[]? only = null;
var verbose = true;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--json" when i + 1 < args.Length:
            jsonPath = args[++i];
            break;
        case "--markdown" when i + 1 < args.Length:
            markdownPath = args[++i];
            break;
        case "--only" when i + 1 < args.Length:
            only = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            break;
        case "--quiet":
            verbose = false;
            break;
        case "--list":
            foreach (var scenario in FaultScenarios.All)
            {
                Console.WriteLine($"{scenario.Name,-22} {scenario.Title}");
            }
            return 0;
        default:
            await Console.Error.WriteLineAsync($"Unknown argument '{args[i]}'. Usage: Faults [--only name,name] [--json FILE] [--markdown FILE] [--quiet] [--list]");
            return 2;
    }
}

if (TestSupport.SidecarUnderTest.Current.UnavailableReason is { } noDaprd)
{
    await Console.Error.WriteLineAsync(noDaprd);
    return 2;
}
if (TestSupport.RedisServer.FindExecutable() is null)
{
    await Console.Error.WriteLineAsync("redis-server is not installed (apt-get install -y redis-server).");
    return 2;
}

var scenarios = only is null ? FaultScenarios.All : [.. only.Select(FaultScenarios.Named)];
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
return report.Passed ? 0 : 1;
