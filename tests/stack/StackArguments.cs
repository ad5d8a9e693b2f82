using TestSupport;

namespace RedisStreamDemo.Stack;

internal sealed record StackArguments(
    string? Redis,
    bool FreePorts,
    bool NoRestart,
    string? RunFile,
    Dictionary<string, string?> Environment,
    Dictionary<string, Dictionary<string, string?>> AppEnvironment)
{
    public const string Usage = """
        Usage: dotnet run --project tests/stack [-- options]
          --redis host:port     use this Redis instead of a private redis-server (appendonly yes)
          --free-ports          free ports instead of the ports in dapr.yaml
          --no-restart          do not restart an app or sidecar that dies
          --file path           the run file (default: dapr.yaml at the repository root)
          --env KEY=VALUE       environment for every app (e.g. Forecasts__ReplyWait=00:00:02)
          --env app:KEY=VALUE   environment for one app (e.g. proxy:Terminals__ProcessingTime=00:00:02)
          -h, --help            this text

        Exit codes (TestSupport.ExitCodes): 0 stopped by SIGTERM or Ctrl+C after it was ready, 1 did not
        start, 64 bad arguments, 130 stopped before it was ready.
        """;

    /// <summary>The arguments, or the exit code to end with (help printed, or bad usage).</summary>
    public static (StackArguments? Arguments, int? Exit) Parse(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        string? redis = null, file = null;
        bool freePorts = false, noRestart = false;
        var environment = new Dictionary<string, string?>();
        var appEnvironment = new Dictionary<string, Dictionary<string, string?>>();
        var exit = new CommandLine(Usage)
            .Option("--redis", value => redis = value.Contains(':', StringComparison.Ordinal) ? value : throw new FormatException("--redis needs host:port"))
            .Flag("--free-ports", () => freePorts = true)
            .Flag("--no-restart", () => noRestart = true)
            .Option("--file", value => file = value)
            .Option("--env", pair => AddEnvironment(pair, environment, appEnvironment))
            .Parse(args, output, error);
        return exit is null ? (new StackArguments(redis, freePorts, noRestart, file, environment, appEnvironment), null) : (null, exit);
    }

    private static void AddEnvironment(
        string pair, Dictionary<string, string?> environment, Dictionary<string, Dictionary<string, string?>> appEnvironment)
    {
        var equals = pair.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new FormatException("--env needs KEY=VALUE or app:KEY=VALUE");
        }
        var key = pair[..equals];
        var value = pair[(equals + 1)..];
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0)
        {
            var app = key[..colon];
            if (!appEnvironment.TryGetValue(app, out var perApp))
            {
                appEnvironment[app] = perApp = [];
            }
            perApp[key[(colon + 1)..]] = value;
        }
        else
        {
            environment[key] = value;
        }
    }

    public StackOptions ToOptions(Action<string> output) => new()
    {
        RunFile = RunFile ?? new StackOptions().RunFile,
        UseFixedPorts = !FreePorts,
        RedisEndpoint = Redis,
        RestartDeadProcesses = !NoRestart,
        Environment = Environment,
        AppEnvironment = AppEnvironment,
        AppHost = "localhost",
        // A person running the stack may well have Zipkin on its usual port: keep the apps' default.
        ZipkinEndpoint = null,
        Output = output,
        Log = output,
    };
}
