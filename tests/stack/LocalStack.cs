using System.Diagnostics;
using System.Globalization;
using System.Net;
using TestSupport;

namespace RedisStreamDemo.Stack;

/// <summary>
/// The whole system without the Dapr CLI: Redis, and per app in the run file the app process and a
/// TestSidecar started with daprd's flags. Used by the Stack program and, as a library, by the
/// end-to-end tests, the benchmark and the fault suite.
/// </summary>
public sealed class LocalStack : IAsyncDisposable
{
    private static readonly string[] InheritedVariablesToDrop =
    [
        "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_URLS",
        "DAPR_HTTP_ENDPOINT", "DAPR_GRPC_ENDPOINT", "DAPR_HTTP_PORT", "DAPR_GRPC_PORT", "DAPR_API_TOKEN",
        "APP_ID", "APP_PORT", "APP_API_TOKEN",
    ];

    private readonly StackOptions _options;
    private readonly RedisServer? _redis;
    private readonly List<string> _resourcesDirectories = [];
    private readonly List<AppInstance> _instances = [];
    private readonly Queue<string> _log = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(3) };
    private readonly string _sidecarAssembly;
    private readonly Dictionary<string, string> _appAssemblies;
    private string? _configFile;
    private int _disposed;

    private LocalStack(StackOptions options, StackFile file, RedisServer? redis, string redisEndpoint, string sidecarAssembly, Dictionary<string, string> appAssemblies)
    {
        _options = options;
        File = file;
        _redis = redis;
        RedisEndpoint = redisEndpoint;
        _sidecarAssembly = sidecarAssembly;
        _appAssemblies = appAssemblies;
        AppDomain.CurrentDomain.ProcessExit += KillEverythingNow;
    }

    public StackFile File { get; }

    /// <summary>host:port of the Redis every sidecar uses.</summary>
    public string RedisEndpoint { get; }

    /// <summary>True when the stack runs its own redis-server (so it can stop, kill and start it).</summary>
    public bool OwnsRedis => _redis is not null;

    public IReadOnlyList<string> ResourcesDirectories => _resourcesDirectories;

    public IReadOnlyList<AppInstance> Instances
    {
        get
        {
            lock (_instances)
            {
                return [.. _instances];
            }
        }
    }

    /// <summary>The first instance of an app id.</summary>
    public AppInstance this[string appId] => Instance(appId);

    public AppInstance Instance(string appId, int replica = 0) =>
        Instances.FirstOrDefault(i => i.AppId == appId && i.Replica == replica)
        ?? throw new ArgumentException($"No instance {replica} of app '{appId}'.", nameof(appId));

    public IReadOnlyList<AppInstance> InstancesOf(string appId) => [.. Instances.Where(i => i.AppId == appId)];

    public IReadOnlyList<string> LauncherLog()
    {
        lock (_log)
        {
            return [.. _log];
        }
    }

    public static async Task<LocalStack> StartAsync(StackOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new StackOptions();
        var file = StackFile.Load(options.RunFile);
        // A missing build fails before anything is started.
        var needsTestSidecar = options.DaprdPath is null && file.Apps.Any(app => !options.ExternalSidecars.ContainsKey(app.AppId));
        var sidecarAssembly = needsTestSidecar ? BuildOutput(options.SidecarProjectDirectory, options) : "";
        var appAssemblies = file.Apps.ToDictionary(app => app.AppId, app => BuildOutput(app.AppDirPath, options));

        RedisServer? redis = null;
        var redisEndpoint = options.RedisEndpoint;
        if (redisEndpoint is null)
        {
            redis = await RedisServer.StartAsync(appendOnly: true, cancellationToken: cancellationToken);
            redisEndpoint = redis.Endpoint;
        }

        var stack = new LocalStack(options, file, redis, redisEndpoint, sidecarAssembly, appAssemblies);

        try
        {
            stack.Log(redis is null
                ? $"using Redis at {stack.RedisEndpoint}"
                : $"redis-server started on {stack.RedisEndpoint} (appendonly yes)");
            stack.PrepareResources();
            foreach (var app in file.Apps)
            {
                var instance = stack.CreateInstance(app, replica: 0, options.UseFixedPorts);
                instance.App.Start();
                if (!stack.HasExternalSidecar(instance))
                {
                    instance.Sidecar.Start();
                }
            }
            await stack.WaitUntilReadyAsync(cancellationToken);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops one instance's app process; its sidecar stays up (as daprd does when the app container restarts).</summary>
    public Task StopAppAsync(string appId, StopSignal signal = StopSignal.Term, int replica = 0)
    {
        var instance = Instance(appId, replica);
        Log($"stopping {instance.Name} with {(signal == StopSignal.Kill ? "SIGKILL" : "SIGTERM")}");
        return instance.App.StopAsync(signal, _options.StopGracePeriod);
    }

    /// <summary>Starts a stopped app again on the same port, with optional extra environment, and waits until it is healthy.</summary>
    public async Task StartAppAsync(string appId, int replica = 0, IReadOnlyDictionary<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        var instance = Instance(appId, replica);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            instance.ExtraEnvironment[key] = value;
        }
        Log($"starting {instance.Name}");
        instance.App.Start();
        await WaitUntilHealthyAsync(instance, cancellationToken);
    }

    public Task StopSidecarAsync(string appId, StopSignal signal = StopSignal.Term, int replica = 0)
    {
        var instance = Instance(appId, replica);
        Log($"stopping {instance.Sidecar.Name} with {(signal == StopSignal.Kill ? "SIGKILL" : "SIGTERM")}");
        return instance.Sidecar.StopAsync(signal, SidecarStopGracePeriod);
    }

    /// <summary>
    /// Kills one instance's sidecar with SIGKILL from outside the launcher, as a crash or the OOM killer
    /// would: the supervisor sees it die and starts it again on the same ports (as the kubelet restarts a
    /// container); the app keeps running. Returns the killed process id.
    /// </summary>
    public int KillSidecar(string appId, int replica = 0)
    {
        var instance = Instance(appId, replica);
        var pid = instance.SidecarProcessId ?? throw new InvalidOperationException($"{instance.Sidecar.Name} is not running.");
        Log($"killing {instance.Sidecar.Name} (pid {pid}) with SIGKILL; the supervisor restarts it");
        using var process = Process.GetProcessById(pid);
        process.Kill();
        return pid;
    }

    /// <summary>
    /// SIGTERM to an instance's app and its sidecar at the same moment, as Kubernetes stops a pod
    /// (rolling update, scale-in); waits until both exited, each within its grace period.
    /// </summary>
    public Task StopInstanceAsync(string appId, int replica = 0)
    {
        var instance = Instance(appId, replica);
        // One terminationGracePeriodSeconds for the whole pod.
        var grace = SidecarStopGracePeriod > _options.StopGracePeriod ? SidecarStopGracePeriod : _options.StopGracePeriod;
        Log($"stopping {instance.Name} and {instance.Sidecar.Name} with SIGTERM");
        return Task.WhenAll(instance.App.StopAsync(StopSignal.Term, grace), instance.Sidecar.StopAsync(StopSignal.Term, grace));
    }

    /// <summary>Starts a stopped instance's sidecar and app again on the same ports and waits until it is healthy.</summary>
    public async Task StartInstanceAsync(string appId, int replica = 0, CancellationToken cancellationToken = default)
    {
        var instance = Instance(appId, replica);
        Log($"starting {instance.Name} and {instance.Sidecar.Name}");
        instance.Sidecar.Start();
        instance.App.Start();
        await WaitUntilHealthyAsync(instance, cancellationToken);
    }

    private TimeSpan SidecarStopGracePeriod => _options.SidecarShutdown.StopGracePeriod ?? _options.StopGracePeriod;

    public async Task StartSidecarAsync(string appId, int replica = 0, CancellationToken cancellationToken = default)
    {
        var instance = Instance(appId, replica);
        Log($"starting {instance.Sidecar.Name}");
        instance.Sidecar.Start();
        await WaitUntilHealthyAsync(instance, cancellationToken);
    }

    /// <summary>Another process of the same app id with its own sidecar and ports: a competing consumer.</summary>
    public async Task<AppInstance> AddReplicaAsync(string appId, CancellationToken cancellationToken = default)
    {
        var app = File.App(appId);
        var instance = CreateInstance(app, InstancesOf(appId).Count, fixedPorts: false);
        instance.App.Start();
        instance.Sidecar.Start();
        await WaitUntilHealthyAsync(instance, cancellationToken);
        return instance;
    }

    public Task StopRedisAsync() => OwnedRedis().StopAsync();

    public Task KillRedisAsync() => OwnedRedis().KillAsync();

    public Task StartRedisAsync(CancellationToken cancellationToken = default) => OwnedRedis().StartAsync(cancellationToken);

    public async Task WaitUntilReadyAsync(CancellationToken cancellationToken = default) =>
        await Task.WhenAll(Instances.Select(i => WaitUntilHealthyAsync(i, cancellationToken)));

    /// <summary>Waits until the app answers 200 on /healthz (which includes its sidecar) and the sidecar answers /v1.0/healthz.</summary>
    public async Task WaitUntilHealthyAsync(AppInstance instance, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + _options.ReadyTimeout;
        string last = "no answer yet";
        while (DateTime.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!_options.RestartDeadProcesses && (!instance.App.IsRunning || (!instance.Sidecar.IsRunning && !HasExternalSidecar(instance))))
            {
                throw new StackStartException($"{instance.Name}: {(instance.App.IsRunning ? instance.Sidecar.Name : instance.Name)} exited while starting.", Describe(instance));
            }
            var app = await ProbeAsync(new Uri(instance.Url, "/healthz"), cancellationToken);
            var sidecar = await ProbeAsync(new Uri(instance.DaprHttpUrl, "/v1.0/healthz"), cancellationToken);
            if (app == HttpStatusCode.OK && sidecar is { } code && (int)code is >= 200 and < 300)
            {
                return;
            }
            last = $"app /healthz: {Show(app)}, sidecar /v1.0/healthz: {Show(sidecar)}";
            await Task.Delay(200, cancellationToken);
        }
        throw new StackStartException($"{instance.Name} was not healthy within {_options.ReadyTimeout.TotalSeconds:0} s ({last}).", Describe(instance));

        static string Show(HttpStatusCode? code) => code is { } c ? ((int)c).ToString(CultureInfo.InvariantCulture) : "unreachable";
    }

    /// <summary>The last output lines of every process, for a failing test's message.</summary>
    public string Diagnostics(int lines = 40) =>
        string.Join(Environment.NewLine + Environment.NewLine,
            new[] { "--- launcher ---" + Environment.NewLine + string.Join(Environment.NewLine, LauncherLog().TakeLast(lines)) }
                .Concat(Instances.Select(i => Describe(i, lines))));

    private static string Describe(AppInstance instance, int lines = 40) =>
        $"--- {instance.Name} (pid {instance.ProcessId?.ToString(CultureInfo.InvariantCulture) ?? "-"}) ---{Environment.NewLine}{instance.App.Tail(lines)}" +
        $"{Environment.NewLine}--- {instance.Sidecar.Name} (pid {instance.SidecarProcessId?.ToString(CultureInfo.InvariantCulture) ?? "-"}) ---{Environment.NewLine}{instance.Sidecar.Tail(lines)}";

    private async Task<HttpStatusCode?> ProbeAsync(Uri uri, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(uri, cancellationToken);
            return response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private RedisServer OwnedRedis() =>
        _redis ?? throw new InvalidOperationException($"The stack uses an external Redis ({RedisEndpoint}); it cannot stop or start it.");

    private void PrepareResources()
    {
        foreach (var path in File.ResourcesPaths)
        {
            var prepared = ResourcesFolder.Prepare(RedisEndpoint, path);
            _resourcesDirectories.Add(prepared);
            if (File.ConfigFilePath is { } config && Path.GetDirectoryName(config) == path.TrimEnd(Path.DirectorySeparatorChar))
            {
                _configFile = Path.Combine(prepared, Path.GetFileName(config));
            }
        }
        _configFile ??= File.ConfigFilePath;
    }

    private AppInstance CreateInstance(StackApp app, int replica, bool fixedPorts)
    {
        var name = replica == 0 ? app.AppId : $"{app.AppId}-{replica + 1}";
        var external = replica == 0 ? _options.ExternalSidecars.GetValueOrDefault(app.AppId) : null;
        var instance = new AppInstance(
            app,
            name,
            replica,
            _options.AppHost,
            external?.AppPort ?? (fixedPorts ? app.AppPort : FreePort.Next()),
            external?.DaprHttpPort ?? (fixedPorts ? app.DaprHttpPort : FreePort.Next()),
            external?.DaprGrpcPort ?? (fixedPorts ? app.DaprGrpcPort : FreePort.Next()),
            external is not null ? null : fixedPorts && app.MetricsPort is { } metricsPort ? metricsPort : FreePort.Next(),
            i => new ChildProcess(name, () => AppStartInfo(i), _options.RestartDeadProcesses, _options.Output, Log, _options.KeptLines),
            i => new ChildProcess(name + "-dapr", () => SidecarStartInfo(i), _options.RestartDeadProcesses, _options.Output, Log, _options.KeptLines));
        lock (_instances)
        {
            _instances.Add(instance);
        }
        return instance;
    }

    private bool HasExternalSidecar(AppInstance instance) =>
        instance.Replica == 0 && _options.ExternalSidecars.ContainsKey(instance.AppId);

    private ProcessStartInfo AppStartInfo(AppInstance instance)
    {
        var assembly = _appAssemblies[instance.AppId];
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(assembly) };
        info.ArgumentList.Add(assembly);
        DropInherited(info);

        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in File.Env)
        {
            environment[key] = value;
        }
        foreach (var (key, value) in instance.Spec.Env)
        {
            environment[key] = value;
        }
        var invariant = CultureInfo.InvariantCulture;
        environment["ASPNETCORE_URLS"] = $"http://{_options.AppHost}:{instance.AppPort}";
        environment["DAPR_HTTP_ENDPOINT"] = $"http://127.0.0.1:{instance.DaprHttpPort}";
        environment["DAPR_GRPC_ENDPOINT"] = $"http://127.0.0.1:{instance.DaprGrpcPort}";
        environment["DAPR_HTTP_PORT"] = instance.DaprHttpPort.ToString(invariant);
        environment["DAPR_GRPC_PORT"] = instance.DaprGrpcPort.ToString(invariant);
        environment["APP_ID"] = instance.AppId;
        environment["APP_PORT"] = instance.AppPort.ToString(invariant);
        if (_options.ZipkinEndpoint is { } zipkin)
        {
            environment["Telemetry__ZipkinEndpoint"] = zipkin;
        }
        foreach (var (key, value) in _options.Environment)
        {
            environment[key] = value;
        }
        if (_options.AppEnvironment.TryGetValue(instance.AppId, out var perApp))
        {
            foreach (var (key, value) in perApp)
            {
                environment[key] = value;
            }
        }
        foreach (var (key, value) in instance.ExtraEnvironment)
        {
            environment[key] = value;
        }
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }
        return info;
    }

    private ProcessStartInfo SidecarStartInfo(AppInstance instance)
    {
        var info = _options.DaprdPath is { } daprd
            ? new ProcessStartInfo(daprd) { WorkingDirectory = Path.GetTempPath() }
            : new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(_sidecarAssembly), ArgumentList = { _sidecarAssembly } };
        var invariant = CultureInfo.InvariantCulture;
        info.ArgumentList.Add("--app-id");
        info.ArgumentList.Add(instance.AppId);
        info.ArgumentList.Add("--app-port");
        info.ArgumentList.Add(instance.AppPort.ToString(invariant));
        info.ArgumentList.Add("--dapr-http-port");
        info.ArgumentList.Add(instance.DaprHttpPort.ToString(invariant));
        info.ArgumentList.Add("--dapr-grpc-port");
        info.ArgumentList.Add(instance.DaprGrpcPort.ToString(invariant));
        if (instance.MetricsPort is { } metricsPort)
        {
            // Without it every sidecar takes daprd's default 9090, and the second one cannot start.
            info.ArgumentList.Add("--metrics-port");
            info.ArgumentList.Add(metricsPort.ToString(invariant));
        }
        foreach (var directory in _resourcesDirectories)
        {
            info.ArgumentList.Add("--resources-path");
            info.ArgumentList.Add(directory);
        }
        if (_configFile is not null)
        {
            info.ArgumentList.Add("--config");
            info.ArgumentList.Add(_configFile);
        }
        if (instance.Spec.AppMaxConcurrency is { } concurrency)
        {
            info.ArgumentList.Add("--app-max-concurrency");
            info.ArgumentList.Add(concurrency.ToString(invariant));
        }
        if (_options.SidecarShutdown.BlockDuration is { } block)
        {
            info.ArgumentList.Add("--dapr-block-shutdown-duration");
            info.ArgumentList.Add(string.Create(invariant, $"{block.TotalSeconds}s"));
        }
        if (_options.SidecarShutdown.GracefulShutdownSeconds is { } grace)
        {
            info.ArgumentList.Add("--dapr-graceful-shutdown-seconds");
            info.ArgumentList.Add(grace.ToString(invariant));
        }
        foreach (var argument in instance.Spec.HealthCheck.DaprdArguments())
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var argument in _options.SidecarArguments)
        {
            info.ArgumentList.Add(argument);
        }
        DropInherited(info);
        return info;
    }

    private static void DropInherited(ProcessStartInfo info)
    {
        foreach (var key in InheritedVariablesToDrop)
        {
            info.Environment.Remove(key);
        }
    }

    // `dotnet build` of the stack builds the apps and the sidecar (ProjectReference) in the same
    // configuration; the launcher starts those outputs, never `dotnet run`.
    private static string BuildOutput(string projectDirectory, StackOptions options)
    {
        var projects = Directory.GetFiles(projectDirectory, "*.csproj");
        if (projects.Length != 1)
        {
            throw new FileNotFoundException($"Expected one .csproj in {projectDirectory}, found {projects.Length}.");
        }
        var name = Path.GetFileNameWithoutExtension(projects[0]);
        var assembly = Path.Combine(projectDirectory, "bin", options.Configuration, options.TargetFramework, name + ".dll");
        if (!System.IO.File.Exists(assembly))
        {
            throw new FileNotFoundException(
                $"{assembly} is missing: build the stack first (dotnet build tests/stack -c {options.Configuration}), which builds the apps and the sidecar.",
                assembly);
        }
        return assembly;
    }

    private void Log(string message)
    {
        var line = $"[stack] {message}";
        lock (_log)
        {
            _log.Enqueue(line);
            while (_log.Count > _options.KeptLines)
            {
                _log.Dequeue();
            }
        }
        _options.Log?.Invoke(line);
    }

    // Last resort when the host process ends without disposing the stack (a test host torn down):
    // no child may outlive it.
    private void KillEverythingNow(object? sender, EventArgs e)
    {
        foreach (var instance in Instances)
        {
            instance.App.KillNow();
            instance.Sidecar.KillNow();
        }
        _redis?.KillAsync().Wait(TimeSpan.FromSeconds(5));
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        AppDomain.CurrentDomain.ProcessExit -= KillEverythingNow;
        Log("stopping");
        var instances = Instances;
        await Task.WhenAll(instances.SelectMany(i => new[] { i.App, i.Sidecar }).Select(p => p.StopAsync(StopSignal.Term, _options.StopGracePeriod)));
        foreach (var instance in instances)
        {
            await instance.App.DisposeAsync();
            await instance.Sidecar.DisposeAsync();
        }
        if (_redis is not null)
        {
            await _redis.StopAsync();
            await _redis.DisposeAsync();
        }
        foreach (var directory in _resourcesDirectories)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind is harmless.
            }
        }
        _http.Dispose();
        Log("stopped");
    }
}

public sealed class StackStartException(string message, string diagnostics) : Exception(message + Environment.NewLine + diagnostics)
{
    public string Diagnostics { get; } = diagnostics;
}
