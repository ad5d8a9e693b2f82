using System.Diagnostics;
using TestSupport;

namespace Deployment.Tests.Support;

internal sealed record CommandResult(int ExitCode, string Output, string Errors)
{
    public override string ToString() => $"exit code {ExitCode}\n{Output}{Errors}";
}

// Runs the ecosystems' command-line tools (kubectl, node) from the repository root.
internal static class Command
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    // The executable on PATH, or the test skips (fails under CI=true) with the reason.
    public static string Find(string name, string reason)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Where(dir => dir.Length > 0)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
        if (found is not null)
        {
            return found;
        }
        Requirements.Unavailable(reason);
        throw new UnreachableException("Requirements.Unavailable skips or fails the test.");
    }

    public static CommandResult Run(string executable, IEnumerable<string> arguments, string? input = null)
    {
        var info = new ProcessStartInfo(executable)
        {
            WorkingDirectory = Repo.Root,
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{executable} did not start.");
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{executable} {string.Join(' ', arguments)} did not finish within {Timeout.TotalSeconds} s.");
        }
        return new CommandResult(process.ExitCode, output.Result, errors.Result);
    }
}
