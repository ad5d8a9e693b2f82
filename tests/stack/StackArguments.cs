namespace RedisStreamDemo.Stack;

internal sealed record StackArguments(
    string? Redis,
    bool FreePorts,
    bool NoRestart,
    string? RunFile,
    Dictionary<string, string?> Environment,
    Dictionary<string, Dictionary<string, string?>> AppEnvironment,
    bool Help,
    string? Error)
{
    public const string Usage = """
        Usage: dotnet run --project tests/stack [-- options]
          --redis host:port     use this Redis instead of a private redis-server (appendonly yes)
          --free-ports          free ports instead of the ports in dapr.yaml
          --no-restart          do not restart an app or sidecar that dies
          --file path           the run file (default: dapr.yaml at the repository root)
          --env KEY=VALUE       environment for every app (e.g. Forecasts__ReplyWait=00:00:02)
          --env app:KEY=VALUE   environment for one app (e.g. proxy:Terminals__ProcessingTime=00:00:02)
        """;

    public static StackArguments Parse(IReadOnlyList<string> args)
    {
        string? redis = null, file = null;
        bool freePorts = false, noRestart = false, help = false;
        var environment = new Dictionary<string, string?>();
        var appEnvironment = new Dictionary<string, Dictionary<string, string?>>();
        for (var i = 0; i < args.Count; i++)
        {
            string? Value() => i + 1 < args.Count ? args[++i] : null;
            switch (args[i])
            {
                case "--redis":
                    redis = Value();
                    if (redis is null || !redis.Contains(':', StringComparison.Ordinal))
                    {
                        return Failed("--redis needs host:port");
                    }
                    break;
                case "--free-ports":
                    freePorts = true;
                    break;
                case "--no-restart":
                    noRestart = true;
                    break;
                case "--file":
                    file = Value() ?? "";
                    break;
                case "--env":
                    var pair = Value();
                    var equals = pair?.IndexOf('=', StringComparison.Ordinal) ?? -1;
                    if (pair is null || equals <= 0)
                    {
                        return Failed("--env needs KEY=VALUE or app:KEY=VALUE");
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
                    break;
                case "-h" or "--help":
                    help = true;
                    break;
                default:
                    return Failed($"Unknown argument: {args[i]}");
            }
        }
        return new StackArguments(redis, freePorts, noRestart, file, environment, appEnvironment, help, null);

        static StackArguments Failed(string error) => new(null, false, false, null, [], [], false, error);
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
