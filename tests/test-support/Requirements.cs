using Xunit;

namespace TestSupport;

/// <summary>
/// A test that needs something this machine lacks skips with the reason locally, but fails under
/// CI=true, so nothing is silently skipped in CI.
/// </summary>
public static class Requirements
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static void RedisServerInstalled()
    {
        if (RedisServer.FindExecutable() is null)
        {
            Unavailable("redis-server is not installed (apt-get install -y redis-server; .ci/run installs it).");
        }
    }

    public static void Unavailable(string reason)
    {
        if (InCi)
        {
            Assert.Fail($"Required under CI=true: {reason}");
        }
        Assert.Skip(reason);
    }
}
