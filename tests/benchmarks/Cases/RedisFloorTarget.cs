using System.Globalization;
using Benchmarks.Measurement;
using LoadTest.Running;
using TestSupport;

namespace Benchmarks.Cases;

/// <summary>redis-floor: <see cref="RedisFloor"/> in this process against a private redis-server.</summary>
internal sealed class RedisFloorTarget(RedisServer redis, RedisFloor floor, IReadOnlyList<WatchedProcess> processes) : IBenchmarkTarget
{
    public static BenchmarkCase Case { get; } = new(
        "redis-floor",
        "request/reply over Redis Streams with StackExchange.Redis only (requester and responder in this process, the load generator)",
        StartAsync);

    public IReadOnlyList<WatchedProcess> Processes => processes;

    public string? Fault => floor.LoopErrors > 0 ? $"{floor.LoopErrors} errors in the stream read loops" : null;

    public Task<RequestOutcome> SendAsync(long index, CancellationToken cancellationToken) => floor.SendAsync(cancellationToken);

    private static async Task<CaseStart> StartAsync(CancellationToken cancellationToken)
    {
        if (RedisServer.FindExecutable() is null)
        {
            return CaseStart.Skipped("redis-server is not installed (apt-get install -y redis-server)");
        }
        var redis = await RedisServer.StartAsync(cancellationToken: cancellationToken);
        var floor = await RedisFloor.StartAsync(redis.Endpoint);
        List<WatchedProcess> processes = [WatchedProcess.LoadGeneratorProcess];
        if (redis.ProcessId is { } pid)
        {
            processes.Add(new(WatchedProcess.Redis, "redis-server", pid));
        }
        return CaseStart.Running(new RedisFloorTarget(redis, floor, processes));
    }

    /// <summary>RedisServer does not expose its pid; redis-server shows its port in its command line.</summary>
    public static int? FindRedisProcess(int port)
    {
        var portText = port.ToString(CultureInfo.InvariantCulture);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }
            try
            {
                var arguments = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0', ' ');
                if (arguments.Length > 0 && arguments[0].EndsWith("redis-server", StringComparison.Ordinal)
                    && arguments.Any(a => a == portText || a.EndsWith(":" + portText, StringComparison.Ordinal)))
                {
                    return pid;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone or not ours.
            }
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await floor.DisposeAsync();
        await redis.DisposeAsync();
    }
}
