using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Benchmarks.Measurement;
using LoadTest.Cli;
using LoadTest.Running;
using RedisStreamDemo.Contracts;
using RedisStreamDemo.Stack;

namespace Benchmarks.Cases;

/// <summary>
/// full-stack: HTTP POSTs to the ingress of a <see cref="LocalStack"/> (the real apps, test
/// sidecars, a private redis-server), each reply checked as the load tool checks it.
/// Two settings differ from the run file: the ingress's per-client rate limit is off (the
/// benchmark is one client at full speed) and the proxy's simulated terminal work is zero, so
/// the figures are the plumbing's and compare with the floor. appMaxConcurrency stays as it is.
/// Everything else is as users run it: logs at the shipped levels, metrics on, and every span
/// exported to a live collector (<see cref="ZipkinSink"/>).
/// </summary>
internal sealed class FullStackTarget(LocalStack stack, HttpClient http, ZipkinSink collector) : IBenchmarkTarget
{
    private long _sent;

    private const string DirectMode = "Direct";

    public string? RedisEndpoint => stack.RedisEndpoint;

    private readonly WeatherTraffic _traffic = new(http, stack[DaprNames.AppIds.Ingress].Url, stack.RedisEndpoint);

    public static BenchmarkCase Workflow { get; } = new(
        "full-stack",
        $"HTTP POST to the ingress of the local stack, default (workflow) correlation; {Overrides}",
        ct => StartAsync(correlationMode: null, ct));

    public static BenchmarkCase Direct { get; } = new(
        "full-stack-direct",
        $"the same with Correlation__Mode=Direct; {Overrides}",
        ct => StartAsync(DirectMode, ct));

    private const string Overrides = "ingress RateLimiting__Enabled=false, proxy Terminals__ProcessingTime=0";

    public IReadOnlyList<WatchedProcess> Processes { get; } = ProcessesOf(stack);

    public string? Fault =>
        stack.Instances.SelectMany(i => new[] { i.App, i.Sidecar }).Where(p => p.Restarts > 0 || !p.IsRunning).ToList() is { Count: > 0 } troubled
            ? "process died or restarted: " + string.Join(", ", troubled.Select(p => $"{p.Name} ({p.Restarts} restarts)"))
            : null;

    public double? SpansPerRequest => Interlocked.Read(ref _sent) is > 0 and var sent ? Math.Round(collector.Spans / (double)sent, 1) : null;

    public Task<RequestOutcome> SendAsync(long index, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _sent);
        return _traffic.SendAsync(cancellationToken);
    }

    public void BeginBreakdown() => _traffic.Stages.Begin();

    public Task<HopBreakdown?> BreakdownAsync() => _traffic.Stages.BreakdownAsync();

    private static async Task<CaseStart> StartAsync(string? correlationMode, CancellationToken cancellationToken)
    {
        var collector = ZipkinSink.Start();
        var options = new StackOptions
        {
            RestartDeadProcesses = false,
            AppEnvironment = new()
            {
                [DaprNames.AppIds.Ingress] = new()
                {
                    ["RateLimiting__Enabled"] = "false",
                    ["Telemetry__ZipkinEndpoint"] = collector.Endpoint,
                },
                [DaprNames.AppIds.Proxy] = new()
                {
                    ["Terminals__ProcessingTime"] = "00:00:00",
                    ["Telemetry__ZipkinEndpoint"] = collector.Endpoint,
                },
            },
        };
        try
        {
            if (correlationMode is not null)
            {
                if (UnsupportedCorrelation(options, correlationMode) is { } reason)
                {
                    await collector.DisposeAsync();
                    return CaseStart.Skipped(reason);
                }
                options.AppEnvironment[DaprNames.AppIds.Ingress]["Correlation__Mode"] = correlationMode;
            }

            var stack = await LocalStack.StartAsync(options, cancellationToken);
            var http = LoadTestCommand.CreateHttpClient();
            if (await new TestSupport.IngressClient(http, stack[DaprNames.AppIds.Ingress].Url).HealthProblemAsync(cancellationToken) is { } problem)
            {
                http.Dispose();
                await stack.DisposeAsync();
                await collector.DisposeAsync();
                return CaseStart.Skipped($"ingress not healthy: {problem}");
            }
            return CaseStart.Running(new FullStackTarget(stack, http, collector));
        }
        catch
        {
            await collector.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// An environment variable the ingress does not bind is silently ignored, and the case would
    /// measure the default path under another name. So the built ingress must declare an options
    /// class with SectionName "Correlation" and know the mode's name.
    /// </summary>
    private static string? UnsupportedCorrelation(StackOptions options, string mode)
    {
        var ingress = Path.Combine(ResourcesRoot(options), "services", "ingress", "bin", options.Configuration, options.TargetFramework, "IngressService.dll");
        if (!File.Exists(ingress))
        {
            return null; // LocalStack reports the missing build itself.
        }
        using var pe = new PEReader(File.OpenRead(ingress));
        var metadata = pe.GetMetadataReader();
        var hasSection = false;
        var knowsMode = false;
        foreach (var handle in metadata.FieldDefinitions)
        {
            var field = metadata.GetFieldDefinition(handle);
            var name = metadata.GetString(field.Name);
            knowsMode |= name == mode;
            if (name == "SectionName" && !field.GetDefaultValue().IsNil)
            {
                var constant = metadata.GetConstant(field.GetDefaultValue());
                var blob = metadata.GetBlobReader(constant.Value);
                hasSection |= constant.TypeCode == ConstantTypeCode.String && blob.ReadUTF16(blob.Length) == "Correlation";
            }
        }
        for (var offset = 1; offset < metadata.GetHeapSize(HeapIndex.UserString);)
        {
            var handle = MetadataTokens.UserStringHandle(offset);
            knowsMode |= metadata.GetUserString(handle) == mode;
            var next = metadata.GetNextHandle(handle);
            if (next.IsNil)
            {
                break;
            }
            offset = MetadataTokens.GetHeapOffset(next);
        }
        return (hasSection, knowsMode) switch
        {
            (false, _) => "the ingress has no Correlation options section, so Correlation__Mode would be ignored",
            (true, false) => $"the ingress's Correlation options do not know the mode '{mode}'",
            _ => null,
        };
    }

    private static string ResourcesRoot(StackOptions options) =>
        Path.GetDirectoryName(Path.GetFullPath(options.RunFile)) ?? ".";

    private static List<WatchedProcess> ProcessesOf(LocalStack stack)
    {
        var processes = new List<WatchedProcess>();
        foreach (var instance in stack.Instances.Where(i => i.Replica == 0))
        {
            var (app, sidecar) = instance.AppId == DaprNames.AppIds.Ingress
                ? (WatchedProcess.Ingress, WatchedProcess.IngressSidecar)
                : (WatchedProcess.Proxy, WatchedProcess.ProxySidecar);
            if (instance.ProcessId is { } appPid)
            {
                processes.Add(new(app, instance.Name, appPid));
            }
            if (instance.SidecarProcessId is { } sidecarPid)
            {
                processes.Add(new(sidecar, instance.Sidecar.Name, sidecarPid));
            }
        }
        if (stack.OwnsRedis
            && int.TryParse(stack.RedisEndpoint.AsSpan(stack.RedisEndpoint.LastIndexOf(':') + 1), out var port)
            && RedisFloorTarget.FindRedisProcess(port) is { } redis)
        {
            processes.Add(new(WatchedProcess.Redis, "redis-server", redis));
        }
        processes.Add(WatchedProcess.LoadGeneratorProcess);
        return processes;
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await stack.DisposeAsync();
        await collector.DisposeAsync();
    }
}
