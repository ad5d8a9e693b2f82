using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using TestSidecar;
using TestSidecar.Api;
using TestSidecar.Diagnostics;
using TestSidecar.Hosting;
using TestSidecar.PubSub;
using TestSidecar.Resources;
using TestSidecar.State;
using TestSidecar.Workflows;

// A Dapr-compatible test sidecar: one process per app, started with daprd's flags. Test
// infrastructure only; see README.md for what it reproduces and what it leaves out.
SidecarOptions options;
try
{
    options = SidecarOptions.Parse(args, Environment.GetEnvironmentVariable);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
builder.Logging.ClearProviders().AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss.fff ";
});
builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("TestSidecar", options.LogLevel);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.ListenLocalhost(options.HttpPort, o => o.Protocols = HttpProtocols.Http1);
    kestrel.ListenLocalhost(options.GrpcPort, o => o.Protocols = HttpProtocols.Http2);
    if (options.EnableMetrics)
    {
        kestrel.ListenLocalhost(options.MetricsPort, o => o.Protocols = HttpProtocols.Http1);
    }
});
// daprd's HTTP server gives requests in flight 10 s when it closes (pkg/api/http/server.go Close);
// the grace period of ShutdownSequence bounds the rest.
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));

using var loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss.fff ";
}));
var startupLog = loggerFactory.CreateLogger("TestSidecar");
Log.Starting(startupLog, options.AppId, options.HttpPort, options.GrpcPort, options.AppPort?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none", options.AppMaxConcurrency);

DaprResources resources;
LoadedComponents components;
Resiliency resiliency;
DaprMetrics metrics;
try
{
    resources = DaprResources.Load(options.ResourcesPaths, options.ConfigPath, options.AppId,
        value => MetadataTemplates.Apply(value, options.AppId, options.PodName, options.Namespace));
    foreach (var file in resources.IgnoredResiliencyFiles)
    {
        Log.ResiliencyNotFirstDocument(startupLog, file);
    }
    metrics = MetricsEndpoint.Create(options, resources.Configuration);
    if (options.EnableMetrics)
    {
        Log.MetricsServerStarted(startupLog, options.MetricsPort);
    }
    resiliency = Resiliency.From(resources.Resiliencies, startupLog, metrics: metrics);
    if (resources.Configuration is { } configuration)
    {
        Log.ConfigurationRead(startupLog, DaprResources.Scalar(DaprResources.Child(configuration, "metadata"), "name") ?? "");
    }
    components = await ComponentLoader.InitializeAsync(resources, options, loggerFactory);
}
catch (Exception ex)
{
    startupLog.LogCritical("Fatal error from runtime: {Error}", ex.Message);
    return 1;
}

builder.Services.AddSingleton(options);
builder.Services.AddSingleton(resources);
builder.Services.AddSingleton(resiliency);
builder.Services.AddSingleton(metrics);
builder.Services.AddSingleton<SidecarState>();
builder.Services.AddSingleton<ShutdownSequence>();
builder.Services.AddSingleton<IHostLifetime, SignalLifetime>();
builder.Services.AddSingleton(sp => new PubSubRuntime(components.PubSubs, components.PubSubScopes, resiliency, options.AppId, sp.GetRequiredService<ILogger<PubSubRuntime>>(), metrics));
builder.Services.AddSingleton(sp => new StateRuntime(components.StateStores, resiliency, sp.GetRequiredService<ILogger<StateRuntime>>(), metrics));
builder.Services.AddSingleton(new AppChannel(AppChannel.CreateHttpClient(), options));
builder.Services.AddSingleton<SubscriptionRuntime>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<SubscriptionRuntime>());
WorkflowEngine.AddTo(builder.Services, components.ActorStateStore is { } actorStateStore ? components.StateStores[actorStateStore] : null, options.AppId, options.Namespace, WorkflowRetention.From(resources.Configuration));
builder.Services.AddGrpc(o => o.Interceptors.Add<ApiTokenInterceptor>())
    .AddServiceOptions<TaskHubGrpcServer>(o => o.Interceptors.Add<WorkflowInterceptor>());
builder.Services.AddSingleton<Grpc.AspNetCore.Server.Model.IServiceMethodProvider<DaprGrpcService>, DaprGrpcMethodProvider>();
builder.Services.AddSingleton<DaprGrpcService>();

var app = builder.Build();
app.UseDaprMetrics(options);
app.UseMiddleware<ApiTokenMiddleware>();
app.UseMiddleware<WorkflowResponseBridge>();
app.MapGrpcService<TaskHubGrpcServer>();
app.MapGrpcService<DaprGrpcService>();
app.MapDaprHttpApi(options.HttpPort);

// The gRPC server starts its work-item dispatcher from ApplicationStarted: create it up front.
_ = app.Services.GetRequiredService<TaskHubGrpcServer>();

var shutdown = app.Services.GetRequiredService<ShutdownSequence>();
await app.RunAsync();
foreach (var pubsub in components.PubSubs.Values)
{
    await pubsub.DisposeAsync();
}
foreach (var store in components.StateStores.Values)
{
    await store.DisposeAsync();
}
shutdown.Finished();
return 0;
