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

// The first Ctrl+C stops sending and still prints the figures; a second one ends the process.
using var interrupted = new Interruption();
return await LoadTestCommand.RunAsync(options, AnsiConsole.Console, interrupted.Token);
