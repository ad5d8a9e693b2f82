using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TestSupport;

/// <summary>What Redocly CLI reported about a document; clean means no errors and no warnings.</summary>
public sealed record OpenApiLintResult(int ExitCode, int Errors, int Warnings, string Report)
{
    public bool Clean => ExitCode == 0 && Errors == 0 && Warnings == 0;
}

/// <summary>
/// Redocly CLI's recommended rules, with the exceptions in tests/checks/redocly.yaml, on an OpenAPI
/// document. The CLI is the one tests/checks/package-lock.json pins (`npm ci --prefix tests/checks`,
/// which .ci/run does).
/// </summary>
public static class OpenApiLint
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static string ChecksDirectory => Path.Combine(ResourcesFolder.RepositoryRoot, "tests", "checks");

    public static async Task<OpenApiLintResult> RunAsync(string document, string name, CancellationToken cancellationToken)
    {
        var redocly = Path.Combine(ChecksDirectory, "node_modules", ".bin", "redocly");
        if (FindNode() is not { } node || !File.Exists(redocly))
        {
            Requirements.Unavailable(
                "Redocly CLI needs node and tests/checks/node_modules (apt-get install -y npm; npm ci --prefix tests/checks; .ci/run does both).");
            throw new UnreachableException("Requirements.Unavailable skips or fails the test.");
        }

        var folder = Directory.CreateTempSubdirectory("openapi-lint-");
        try
        {
            // Redocly names the file in every problem it reports.
            var file = Path.Combine(folder.FullName, name + ".json");
            await File.WriteAllTextAsync(file, document, cancellationToken);
            var (exitCode, output, errors) = await RunAsync(node,
                [redocly, "lint", file, "--config", Path.Combine(ChecksDirectory, "redocly.yaml"), "--extends", "recommended", "--format", "json"],
                cancellationToken);
            return Read(exitCode, output, errors);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static OpenApiLintResult Read(int exitCode, string output, string errors)
    {
        try
        {
            using var json = JsonDocument.Parse(output);
            var totals = json.RootElement.GetProperty("totals");
            var report = new StringBuilder($"redocly lint exited {exitCode}:\n");
            foreach (var problem in json.RootElement.GetProperty("problems").EnumerateArray())
            {
                var pointer = problem.GetProperty("location").EnumerateArray()
                    .Select(location => location.TryGetProperty("pointer", out var value) ? value.GetString() : null)
                    .FirstOrDefault();
                report.Append(CultureInfo.InvariantCulture, $"  {Text(problem, "severity")} {Text(problem, "ruleId")} {pointer}: {Text(problem, "message")}\n");
            }
            report.Append(errors);
            return new OpenApiLintResult(exitCode, totals.GetProperty("errors").GetInt32(), totals.GetProperty("warnings").GetInt32(), report.ToString());
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException)
        {
            // Redocly itself failed (a bad config, a crash) rather than reporting on the document.
            throw new InvalidOperationException($"redocly lint exited {exitCode} without a report:\n{output}{errors}", ex);
        }
    }

    private static string? Text(JsonElement element, string property) => element.GetProperty(property).GetString();

    private static string? FindNode() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "node"))
            .FirstOrDefault(File.Exists);

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(
        string executable, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(executable)
        {
            WorkingDirectory = ChecksDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        // A test run reports nothing to Redocly and asks no registry for a newer CLI.
        info.Environment["REDOCLY_TELEMETRY"] = "off";
        info.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{executable} did not start.");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var errors = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            throw new TimeoutException($"redocly lint did not finish within {Timeout.TotalSeconds} s.");
        }
        return (process.ExitCode, await output, await errors);
    }
}
