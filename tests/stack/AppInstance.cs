namespace RedisStreamDemo.Stack;

/// <summary>One running copy of an app: the app process and its own sidecar.</summary>
public sealed class AppInstance
{
    internal AppInstance(
        StackApp app, string name, int replica, string appHost, int appPort, int daprHttpPort, int daprGrpcPort, int? metricsPort,
        Func<AppInstance, ChildProcess> appProcess, Func<AppInstance, ChildProcess> sidecarProcess)
    {
        MetricsPort = metricsPort;
        Spec = app;
        Name = name;
        Replica = replica;
        AppPort = appPort;
        DaprHttpPort = daprHttpPort;
        DaprGrpcPort = daprGrpcPort;
        Url = new Uri($"http://{appHost}:{appPort}");
        App = appProcess(this);
        Sidecar = sidecarProcess(this);
    }

    public StackApp Spec { get; }

    public string AppId => Spec.AppId;

    /// <summary>The app id, with "-2", "-3" ... for replicas; prefixes its output lines.</summary>
    public string Name { get; }

    /// <summary>0 for the first instance of an app id, 1 for the first added replica, ...</summary>
    public int Replica { get; }

    public Uri Url { get; }

    public Uri SwaggerUrl => new(Url, "/swagger");

    public int AppPort { get; }

    public int DaprHttpPort { get; }

    public int DaprGrpcPort { get; }

    public Uri DaprHttpUrl => new($"http://127.0.0.1:{DaprHttpPort}");

    /// <summary>The sidecar's --metrics-port (daprd's Prometheus endpoint); null for an external sidecar.</summary>
    public int? MetricsPort { get; }

    public Uri? MetricsUrl => MetricsPort is { } port ? new($"http://127.0.0.1:{port}/") : null;

    public int? ProcessId => App.ProcessId;

    public int? SidecarProcessId => Sidecar.ProcessId;

    public ChildProcess App { get; }

    public ChildProcess Sidecar { get; }

    internal Dictionary<string, string?> ExtraEnvironment { get; } = [];

    public override string ToString() => $"{Name} {Url} (dapr http {DaprHttpPort}, grpc {DaprGrpcPort}{(MetricsPort is { } metrics ? $", metrics {metrics}" : "")})";
}
