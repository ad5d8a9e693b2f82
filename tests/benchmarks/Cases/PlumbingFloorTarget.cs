using System.Diagnostics;
using System.Globalization;
using Benchmarks.Measurement;
using LoadTest.Cli;
using LoadTest.Running;
using RedisStreamDemo.Stack;
using TestSupport;

namespace Benchmarks.Cases;

/// <summary>
/// plumbing-floor: the full stack's process structure and hops with nothing else (the
/// <c>plumbing-floor</c> project): client -HTTP-> edge app -gRPC-> its broker -XADD-> Redis stream
/// -> the other broker -HTTP-> back app -gRPC-> its broker -XADD-> Redis stream -> the first broker
/// -HTTP-> edge app -> HTTP answer. The ceiling this structure reaches on this machine, with the
/// same public API, payloads and stream names as the full stack.
/// </summary>
internal sealed class PlumbingFloorTarget(RedisServer redis, IReadOnlyList<ChildProcess> children, IReadOnlyList<WatchedProcess> processes, HttpClient http, WeatherTraffic traffic)
    : IBenchmarkTarget
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    public static BenchmarkCase Case { get; } = new(
        "plumbing-floor",
        "the same processes and hops (HTTP, gRPC, Redis Streams, HTTP delivery) in minimal ASP.NET Core and gRPC apps: no Dapr SDK, workflow, telemetry, resiliency or reply store",
        StartAsync);

    public IReadOnlyList<WatchedProcess> Processes => processes;

    public string? RedisEndpoint => redis.Endpoint;

    public string? Fault =>
        children.Where(c => !c.IsRunning).ToList() is { Count: > 0 } dead
            ? "process died: " + string.Join(", ", dead.Select(c => c.Name))
            : null;

    public Task<RequestOutcome> SendAsync(long index, CancellationToken cancellationToken) => traffic.SendAsync(cancellationToken);

    public void BeginBreakdown() => traffic.Stages.Begin();

    public Task<HopBreakdown?> BreakdownAsync() => traffic.Stages.BreakdownAsync();

    private static async Task<CaseStart> StartAsync(CancellationToken cancellationToken)
    {
        if (RedisServer.FindExecutable() is null)
        {
            return CaseStart.Skipped("redis-server is not installed (apt-get install -y redis-server)");
        }
        var options = new StackOptions();
        var assembly = Path.Combine(RepositoryRoot.Path, "tests", "benchmarks", "plumbing-floor", "bin", options.Configuration, options.TargetFramework, "PlumbingFloor.dll");
        if (!File.Exists(assembly))
        {
            return CaseStart.Skipped($"{assembly} is missing: build tests/benchmarks -c {options.Configuration}");
        }

        // Append-only, as the stack's own redis-server.
        var redis = await RedisServer.StartAsync(appendOnly: true, cancellationToken: cancellationToken);
        int edgePort = FreePort.Next(), edgeBrokerPort = FreePort.Next(), backPort = FreePort.Next(), backBrokerPort = FreePort.Next();
        var edgeUrl = new Uri($"http://127.0.0.1:{edgePort}");
        var backUrl = $"http://127.0.0.1:{backPort}";
        ChildProcess[] children =
        [
            Child("edge", assembly, "edge", "--port", Text(edgePort), "--broker-url", $"http://127.0.0.1:{edgeBrokerPort}"),
            Child("edge-broker", assembly, "broker", "--app-id", "ingress", "--grpc-port", Text(edgeBrokerPort), "--redis", redis.Endpoint,
                "--app-url", edgeUrl.ToString(), "--subscribe", "weather-responses", "--route", "/replies"),
            Child("back", assembly, "back", "--port", Text(backPort), "--broker-url", $"http://127.0.0.1:{backBrokerPort}"),
            Child("back-broker", assembly, "broker", "--app-id", "proxy", "--grpc-port", Text(backBrokerPort), "--redis", redis.Endpoint,
                "--app-url", backUrl, "--subscribe", "weather-requests", "--route", "/requests"),
        ];
        foreach (var child in children)
        {
            child.Start();
        }
        var http = LoadTestCommand.CreateHttpClient();
        var traffic = new WeatherTraffic(http, edgeUrl, redis.Endpoint);
        try
        {
            await WaitUntilAnsweringAsync(traffic, children, cancellationToken);
        }
        catch
        {
            http.Dispose();
            await StopAsync(children, redis);
            throw;
        }
        string[] slots = [WatchedProcess.Ingress, WatchedProcess.IngressSidecar, WatchedProcess.Proxy, WatchedProcess.ProxySidecar];
        List<WatchedProcess> processes = [.. children.Select((c, i) => new WatchedProcess(slots[i], c.Name, c.ProcessId ?? 0))];
        if (redis.ProcessId is { } redisPid)
        {
            processes.Add(new(WatchedProcess.Redis, "redis-server", redisPid));
        }
        processes.Add(WatchedProcess.LoadGeneratorProcess);
        return CaseStart.Running(new PlumbingFloorTarget(redis, children, processes, http, traffic));
    }

    // Ready when one request makes the whole round trip (both consumer groups exist and read).
    private static async Task WaitUntilAnsweringAsync(WeatherTraffic traffic, IReadOnlyList<ChildProcess> children, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        var last = "no answer yet";
        while (deadline.Elapsed < ReadyTimeout)
        {
            if (children.FirstOrDefault(c => !c.IsRunning) is { } dead)
            {
                throw new InvalidOperationException($"{dead.Name} exited while starting:{Environment.NewLine}{dead.Tail()}");
            }
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                var outcome = await traffic.SendAsync(attempt.Token);
                if (!outcome.IsError)
                {
                    return;
                }
                last = $"{outcome.Status}: {outcome.ErrorMessage}";
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                last = "no answer within 5 s";
            }
            await Task.Delay(200, cancellationToken);
        }
        throw new TimeoutException($"the plumbing floor did not answer within {ReadyTimeout.TotalSeconds:0} s ({last}).");
    }

    private static ChildProcess Child(string name, string assembly, params string[] arguments) =>
        new(name, () =>
        {
            var info = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(assembly) };
            info.ArgumentList.Add(assembly);
            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }
            info.Environment.Remove("ASPNETCORE_URLS");
            return info;
        }, restartWhenDead: false, output: null, log: _ => { });

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static async Task StopAsync(IReadOnlyList<ChildProcess> children, RedisServer redis)
    {
        await Task.WhenAll(children.Select(c => c.StopAsync(StopSignal.Term, TimeSpan.FromSeconds(10))));
        foreach (var child in children)
        {
            await child.DisposeAsync();
        }
        await redis.StopAsync();
        await redis.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await StopAsync(children, redis);
    }
}
