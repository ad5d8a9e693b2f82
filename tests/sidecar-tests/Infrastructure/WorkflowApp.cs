using Dapr.Workflow;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Sidecar.Tests.Infrastructure;

/// <summary>
/// The ingress's sidecar with the test workflow workers (<see cref="WorkflowWorker"/>) connected to it:
/// what every workflow test arranges. Disposing stops the workers, then the sidecar.
/// </summary>
internal sealed class WorkflowApp : IAsyncDisposable
{
    private readonly List<IHost> _workers = [];
    private DaprWorkflowClient? _client;

    private WorkflowApp(SidecarProcess sidecar) => Sidecar = sidecar;

    public SidecarProcess Sidecar { get; }

    /// <summary>The client of the first worker started.</summary>
    public DaprWorkflowClient Client => _client ?? throw new InvalidOperationException("no worker started");

    /// <summary>The sidecar on the shared server's real components, with no workflow state left by earlier tests.</summary>
    public static async Task<WorkflowApp> StartAsync(RedisFixture redis, bool withWorker = true) =>
        await StartAsync(await Sidecars.StartForWorkflowsAsync(redis), withWorker);

    /// <summary>Takes <paramref name="sidecar"/> (a test's own store or flags) over: disposing the app disposes it.</summary>
    public static async Task<WorkflowApp> StartAsync(SidecarProcess sidecar, bool withWorker = true)
    {
        var app = new WorkflowApp(sidecar);
        try
        {
            if (withWorker)
            {
                await app.StartWorkerAsync();
            }
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Connects one more worker; its client.</summary>
    public async Task<DaprWorkflowClient> StartWorkerAsync()
    {
        var host = await WorkflowWorker.StartWorkerAsync(Sidecar);
        _workers.Add(host);
        var client = host.Services.GetRequiredService<DaprWorkflowClient>();
        _client ??= client;
        return client;
    }

    /// <summary>Schedules a new instance of <paramref name="workflow"/> through <see cref="Client"/>; its id.</summary>
    public async Task<string> ScheduleAsync(string workflow, object? input)
    {
        var id = Guid.NewGuid().ToString("N");
        await Client.ScheduleNewWorkflowAsync(workflow, id, input);
        return id;
    }

    /// <summary>Schedules a new instance and waits until it has started (no longer PENDING); its id.</summary>
    public async Task<string> StartInstanceAsync(string workflow, object? input)
    {
        var id = await ScheduleAsync(workflow, input);
        await WorkflowWorker.StartedAsync(Client, id);
        return id;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var host in _workers)
            {
                await host.StopAsync(TestContext.Current.CancellationToken);
                host.Dispose();
            }
        }
        finally
        {
            await Sidecar.DisposeAsync();
        }
    }
}
