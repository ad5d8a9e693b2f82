using LoadTest.Cli;
using Spectre.Console;

var (options, error) = LoadOptions.Parse(args);
if (options is null || options.Help)
{
    if (error is not null)
    {
        AnsiConsole.MarkupLine($"[red]{Markup.Escape(error)}[/]");
    }
    Console.WriteLine(LoadOptions.Usage);
    return error is null ? LoadTestCommand.ExitOk : LoadTestCommand.ExitUsage;
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
