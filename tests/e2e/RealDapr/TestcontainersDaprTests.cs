using System.Globalization;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Networks;
using RedisStreamDemo.Stack;
using StackExchange.Redis;
using Testcontainers.Redis;

namespace EndToEnd.Tests.RealDapr;

/// <summary>
/// The real-Dapr checks where Docker exists, with Testcontainers: one network with redis, Dapr's
/// placement and scheduler, and one daprd container per app (the repository's components with
/// redisHost pointed at the redis container); our apps run as host processes that daprd reaches on
/// host.docker.internal. Opt-in (RSD_E2E_TESTCONTAINERS=1); opted in without a Docker engine it skips
/// locally and fails under CI=true.
/// </summary>
public sealed class TestcontainersDaprSystem : IAsyncLifetime, IRealDaprSystem
{
    public const string OptInVariable = "RSD_E2E_TESTCONTAINERS";

    // The tag docker-compose.yml runs.
    private const string DaprTag = "1.18.3";
    private const int SidecarHttpPort = 3500;
    private const int SidecarGrpcPort = 50001;
    private const int HealthPort = 8080;

    private readonly List<IContainer> _containers = [];
    private INetwork? _network;
    private string? _resources;
    private LocalStack? _stack;
    private ConnectionMultiplexer? _redis;
    private string? _dockerUnavailable;
    private Exception? _startFailure;

    private static bool OptedIn => Environment.GetEnvironmentVariable(OptInVariable) == "1";

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public IngressClient Ingress => new(Http, Stack["ingress"].Url);

    public IDatabase Redis => (_redis ?? throw new InvalidOperationException("Redis is not connected.")).GetDatabase();

    private LocalStack Stack => _stack ?? throw new InvalidOperationException("The stack was not started.");

    public void EnsureRunning()
    {
        // Opt-in suites skip even under CI=true: nothing required is missing, the run did not ask for them.
        if (!OptedIn)
        {
            Assert.Skip($"Testcontainers real-Dapr suite is opt-in and was not requested: set {OptInVariable}=1 on a machine " +
                "with a Docker engine; it skips under CI=true too, because it is opt-in, not missing.");
        }
        if (_dockerUnavailable is { } reason)
        {
            Requirements.Unavailable(reason);
        }
        if (_startFailure is not null)
        {
            Assert.Fail($"The containers or apps did not start: {_startFailure}");
        }
    }

    public async ValueTask InitializeAsync()
    {
        if (!OptedIn)
        {
            return;
        }
        // First runs pull the images; a start that takes longer than this is broken, not slow.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        try
        {
            await StartAsync(timeout.Token);
        }
        catch (DockerUnavailableException ex)
        {
            _dockerUnavailable = $"{OptInVariable}=1 but no Docker engine answers ({ex.Message}).";
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _startFailure = ex;
        }
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        _network = new NetworkBuilder().Build();
        await _network.CreateAsync(cancellationToken);

        var redis = new RedisBuilder("redis:7").WithNetwork(_network).WithNetworkAliases("redis").Build();
        await StartAsync(redis, cancellationToken);
        await StartAsync(DaprControlPlane("placement", "./placement", "--port", "50005"), cancellationToken);
        await StartAsync(DaprControlPlane("scheduler", "./scheduler", "--port", "50006",
            "--etcd-data-dir=/var/lock/dapr/scheduler", "--override-broadcast-host-port=scheduler:50006")
            .WithTmpfsMount("/var/lock"), cancellationToken);

        _resources = ResourcesFolder.Prepare("redis:6379");
        var sidecars = new Dictionary<string, ExternalSidecar>();
        var environment = new Dictionary<string, Dictionary<string, string?>>();
        foreach (var app in StackFile.Load(new StackOptions().RunFile).Apps)
        {
            var appPort = FreePort.Next();
            var daprd = Daprd(app, appPort);
            await StartAsync(daprd, cancellationToken);
            sidecars[app.AppId] = new ExternalSidecar(appPort, daprd.GetMappedPublicPort(SidecarHttpPort), daprd.GetMappedPublicPort(SidecarGrpcPort));
            // daprd reaches the app through the Docker host's gateway, not its loopback.
            environment[app.AppId] = new() { ["ASPNETCORE_URLS"] = $"http://0.0.0.0:{appPort.ToString(CultureInfo.InvariantCulture)}" };
        }
        environment[DaprNames.AppIds.Ingress]["Correlation__Mode"] = nameof(CorrelationMode.Workflow);

        _stack = await LocalStack.StartAsync(new StackOptions
        {
            RedisEndpoint = redis.GetConnectionString(),
            ExternalSidecars = sidecars,
            AppEnvironment = environment,
            ReadyTimeout = TimeSpan.FromSeconds(90),
        }, cancellationToken);
        _redis = await ConnectionMultiplexer.ConnectAsync(redis.GetConnectionString());
    }

    private ContainerBuilder DaprControlPlane(string name, params string[] command) =>
        new ContainerBuilder($"daprio/{name}:{DaprTag}")
            .WithNetwork(_network)
            .WithNetworkAliases(name)
            .WithCommand(command)
            .WithPortBinding(HealthPort, true)
            .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(r => r.ForPort(HealthPort).ForPath("/healthz")));

    private IContainer Daprd(StackApp app, int appPort)
    {
        var invariant = CultureInfo.InvariantCulture;
        List<string> command =
        [
            "./daprd",
            "--app-id", app.AppId,
            "--app-port", appPort.ToString(invariant),
            "--app-channel-address", "host.docker.internal",
            "--dapr-http-port", SidecarHttpPort.ToString(invariant),
            "--dapr-grpc-port", SidecarGrpcPort.ToString(invariant),
            "--placement-host-address", "placement:50005",
            "--scheduler-host-address", "scheduler:50006",
            "--resources-path", "/components",
            "--config", "/components/config.yaml",
        ];
        if (app.AppMaxConcurrency is { } concurrency)
        {
            command.AddRange(["--app-max-concurrency", concurrency.ToString(invariant)]);
        }
        return new ContainerBuilder($"daprio/daprd:{DaprTag}")
            .WithNetwork(_network)
            .WithExtraHost("host.docker.internal", "host-gateway")
            .WithBindMount(_resources, "/components", AccessMode.ReadOnly)
            .WithCommand([.. command])
            .WithPortBinding(SidecarHttpPort, true)
            .WithPortBinding(SidecarGrpcPort, true)
            // Outbound readiness: the sidecar is up, whether or not our app is yet.
            .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(r => r
                .ForPort(SidecarHttpPort)
                .ForPath("/v1.0/healthz/outbound")
                .ForStatusCodeMatching(code => (int)code is >= 200 and < 300)))
            .Build();
    }

    private async Task StartAsync(IContainer container, CancellationToken cancellationToken)
    {
        _containers.Add(container);
        await container.StartAsync(cancellationToken);
    }

    private Task StartAsync(ContainerBuilder builder, CancellationToken cancellationToken) => StartAsync(builder.Build(), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
        foreach (var container in Enumerable.Reverse(_containers))
        {
            await container.DisposeAsync();
        }
        if (_network is not null)
        {
            await _network.DisposeAsync();
        }
        if (_resources is not null)
        {
            Directory.Delete(_resources, recursive: true);
        }
        Http.Dispose();
    }
}

public sealed class TestcontainersDaprTests(TestcontainersDaprSystem system)
    : RealDaprScenarios<TestcontainersDaprSystem>(system), IClassFixture<TestcontainersDaprSystem>;
