using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace TestSupport;

/// <summary>
/// Runs the sidecar <see cref="SidecarUnderTest"/> selects (the test sidecar, tests/sidecar's
/// TestSidecar.dll, or a real daprd) as its own process with daprd's flags, waits until
/// GET /v1.0/healthz answers 204, and keeps its console output for assertions.
/// </summary>
public sealed class SidecarProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private SidecarProcess(Process process, int httpPort, int grpcPort, int metricsPort)
    {
        _process = process;
        HttpPort = httpPort;
        GrpcPort = grpcPort;
        MetricsPort = metricsPort;
    }

    public int HttpPort { get; }

    public int GrpcPort { get; }

    public Uri HttpEndpoint => new($"http://127.0.0.1:{HttpPort}");

    public Uri GrpcEndpoint => new($"http://127.0.0.1:{GrpcPort}");

    /// <summary>--metrics-port: daprd's metrics server (Prometheus text on every path).</summary>
    public int MetricsPort { get; }

    public Uri MetricsEndpoint => new($"http://127.0.0.1:{MetricsPort}/");

    public IReadOnlyCollection<string> Output => _output;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The TestSidecar.dll next to the calling test assembly (a project reference copies it there).</summary>
    public static string DefaultAssemblyPath => Path.Combine(AppContext.BaseDirectory, "TestSidecar.dll");

    /// <param name="arguments">daprd flags; --dapr-http-port, --dapr-grpc-port and --metrics-port are added on free ports unless given
    /// (daprd's default metrics port, 9090, would make two sidecars collide).</param>
    /// <param name="waitUntilHealthy">false returns once the process started (a sidecar whose app never listens is never healthy).</param>
    public static async Task<SidecarProcess> StartAsync(
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? readyTimeout = null,
        string? sidecarAssembly = null,
        SidecarUnderTest? sidecar = null,
        CancellationToken cancellationToken = default,
        bool waitUntilHealthy = true)
    {
        var kind = sidecar ?? SidecarUnderTest.Current;
        kind.SkipIfUnavailable();
        var args = arguments.ToList();
        var httpPort = PortArgument(args, "--dapr-http-port");
        var grpcPort = PortArgument(args, "--dapr-grpc-port");
        var metricsPort = PortArgument(args, "--metrics-port");
        args.AddRange(kind.ExtraArguments);

        var info = new ProcessStartInfo(kind.IsDaprd ? kind.DaprdPath : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (!kind.IsDaprd)
        {
            info.ArgumentList.Add(sidecarAssembly ?? DefaultAssemblyPath);
        }
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"{kind.Name} did not start");
        var started = new SidecarProcess(process, httpPort, grpcPort, metricsPort);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { started._output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { started._output.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        if (!waitUntilHealthy)
        {
            return started;
        }
        try
        {
            await started.WaitUntilHealthyAsync(readyTimeout ?? TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
        return started;
    }

    private static int PortArgument(List<string> args, string flag)
    {
        var at = args.IndexOf(flag);
        if (at >= 0 && at + 1 < args.Count)
        {
            return int.Parse(args[at + 1], CultureInfo.InvariantCulture);
        }
        var port = FreePort.Next();
        args.AddRange([flag, port.ToString(CultureInfo.InvariantCulture)]);
        return port;
    }

    private async Task WaitUntilHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                // WaitForExitAsync also waits for the last output lines to be read.
                await _process.WaitForExitAsync(cancellationToken);
                throw new InvalidOperationException($"the sidecar exited with code {_process.ExitCode}:\n{string.Join('\n', _output)}");
            }
            try
            {
                using var response = await http.GetAsync(new Uri(HttpEndpoint, "/v1.0/healthz"), cancellationToken);
                if ((int)response.StatusCode == 204)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
            }
            await Task.Delay(100, cancellationToken);
        }
        throw new TimeoutException($"the sidecar was not healthy within {timeout}:\n{string.Join('\n', _output)}");
    }

    /// <summary>Polls the output for a line containing <paramref name="text"/>.</summary>
    public async Task<string> WaitForOutputAsync(string text, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_output.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }
            await Task.Delay(50, cancellationToken);
        }
        throw new TimeoutException($"no sidecar output containing '{text}' within {timeout}:\n{string.Join('\n', _output)}");
    }

    /// <summary>SIGTERM, as Kubernetes and the Dapr CLI stop daprd; waits for the exit.</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (_process.HasExited)
        {
            return;
        }
        await TerminateAsync();
        await WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(30));
    }

    /// <summary>Sends SIGTERM and returns at once: the shutdown goes on while the caller watches it.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])
            ?? throw new InvalidOperationException("kill did not start");
        await kill.WaitForExitAsync();
    }

    /// <summary>SIGKILL, as a crash or an OOM kill ends daprd: nothing is flushed or closed in order.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Waits for the process to exit; kills it and throws <see cref="TimeoutException"/> when it does not in time.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        _process.Dispose();
    }
}
