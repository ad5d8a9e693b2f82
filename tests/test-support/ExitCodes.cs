namespace TestSupport;

/// <summary>The exit codes of our tools: the stack, the fault suite, the benchmark and the load test.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The run found a failure: a scenario or a request failed, the stack did not start.</summary>
    public const int Failed = 1;

    /// <summary>Something the run needs is missing: redis-server, the selected daprd, a healthy ingress.</summary>
    public const int Unavailable = 2;

    /// <summary>Bad usage: an unknown option, a missing or malformed value (EX_USAGE in sysexits.h).</summary>
    public const int Usage = 64;

    /// <summary>Stopped by Ctrl+C or SIGINT before it finished (128 + SIGINT).</summary>
    public const int Interrupted = 130;
}
