using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TestSupport;

/// <summary>
/// A problem Redocly reports that a suite accepts: the rule, where it is reported (an RFC 6901 JSON
/// pointer into the document, such as <c>/paths/~1terminals/get/responses</c>) and why it is acceptable there.
/// </summary>
public sealed record AcceptedLintProblem(string RuleId, string Pointer, string Reason);

/// <summary>
/// What Redocly CLI reported about a document. Errors and Warnings count the problems no
/// <see cref="AcceptedLintProblem"/> covers; clean means there are none, and that every accepted
/// problem was reported (<see cref="NotReported"/> lists the stale ones).
/// </summary>
public sealed record OpenApiLintResult(
    int ExitCode, int Errors, int Warnings, int AcceptedErrors, IReadOnlyList<AcceptedLintProblem> NotReported, string Report)
{
    // Redocly exits 1 when it counted an error, accepted or not.
    public bool Clean => Errors == 0 && Warnings == 0 && NotReported.Count == 0 && (ExitCode == 0 || AcceptedErrors > 0);
}

/// <summary>
/// Redocly CLI's recommended rules, with the settings in tests/checks/redocly.yaml, on an OpenAPI
/// document. The CLI is the one tests/checks/package-lock.json pins (`npm ci --prefix tests/checks`,
/// which .ci/run does).
/// </summary>
public static class OpenApiLint
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static string ChecksDirectory => RepositoryRoot.Combine("tests", "checks");

    /// <summary>
    /// Lints <paramref name="document"/>. A rule that cannot hold for one operation is accepted there,
    /// with its reason, in <paramref name="accepted"/> rather than turned off for every document.
    /// </summary>
    public static async Task<OpenApiLintResult> RunAsync(
        string document, string name, CancellationToken cancellationToken, IReadOnlyCollection<AcceptedLintProblem>? accepted = null)
    {
        accepted ??= [];
        foreach (var problem in accepted)
        {
            if (string.IsNullOrWhiteSpace(problem.RuleId) || !problem.Pointer.StartsWith('/') || string.IsNullOrWhiteSpace(problem.Reason))
            {
                throw new ArgumentException($"An accepted problem needs a rule id, a JSON pointer starting with / and a reason: {problem}", nameof(accepted));
            }
        }

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
            return Read(exitCode, output, errors, accepted);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static OpenApiLintResult Read(int exitCode, string output, string errors, IReadOnlyCollection<AcceptedLintProblem> accepted)
    {
        try
        {
            using var json = JsonDocument.Parse(output);
            var totals = json.RootElement.GetProperty("totals");
            var report = new StringBuilder($"redocly lint exited {exitCode}:\n");
            var reported = new HashSet<AcceptedLintProblem>();
            var (acceptedErrors, acceptedWarnings) = (0, 0);
            foreach (var problem in json.RootElement.GetProperty("problems").EnumerateArray())
            {
                var (severity, ruleId) = (Text(problem, "severity"), Text(problem, "ruleId"));
                var pointer = problem.GetProperty("location").EnumerateArray()
                    .Select(location => location.TryGetProperty("pointer", out var value) ? JsonPointer(value.GetString()) : null)
                    .FirstOrDefault();
                report.Append(CultureInfo.InvariantCulture, $"  {severity} {ruleId} {pointer}: {Text(problem, "message")}");
                if (accepted.FirstOrDefault(a => a.RuleId == ruleId && a.Pointer == pointer) is { } match)
                {
                    reported.Add(match);
                    acceptedErrors += severity == "error" ? 1 : 0;
                    acceptedWarnings += severity == "warn" ? 1 : 0;
                    report.Append(CultureInfo.InvariantCulture, $" (accepted: {match.Reason})");
                }
                report.Append('\n');
            }

            var notReported = accepted.Where(a => !reported.Contains(a)).ToList();
            foreach (var stale in notReported)
            {
                report.Append(CultureInfo.InvariantCulture, $"  accepted but not reported: {stale.RuleId} {stale.Pointer} ({stale.Reason})\n");
            }
            report.Append(errors);
            return new OpenApiLintResult(
                exitCode,
                totals.GetProperty("errors").GetInt32() - acceptedErrors,
                totals.GetProperty("warnings").GetInt32() - acceptedWarnings,
                acceptedErrors,
                notReported,
                report.ToString());
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException)
        {
            // Redocly itself failed (a bad config, a crash) rather than reporting on the document.
            throw new InvalidOperationException($"redocly lint exited {exitCode} without a report:\n{output}{errors}", ex);
        }
    }

    // Redocly reports a pointer as a URI fragment ("#/paths/~1terminals/get"); RFC 6901's string form drops the "#" and the escaping.
    private static string? JsonPointer(string? fragment) =>
        fragment is null ? null : Uri.UnescapeDataString(fragment.StartsWith('#') ? fragment[1..] : fragment);

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
