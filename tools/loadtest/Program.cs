using LoadTest.Cli;
using Spectre.Console;
using TestSupport;

var (options, exit) = LoadOptions.Parse(args, Console.Out, Console.Error);
if (options is null)
{
    return exit ?? ExitCodes.Usage;
}

// Redirected output (CI logs, files) would otherwise wrap the tables at 80 columns.
if (Console.IsOutputRedirected)
{
    AnsiConsole.Profile.Width = 140;
}

using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C stops sending and still prints the figures; a second one ends the process.
    e.Cancel = !interrupted.IsCancellationRequested;
    interrupted.Cancel();
};
return await LoadTestCommand.RunAsync(options, AnsiConsole.Console, interrupted.Token);
