using System.Diagnostics;
using Dapr.Workflow;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static Sidecar.Tests.Infrastructure.WorkflowWorker;
using static Sidecar.Tests.WorkflowTests;

namespace Sidecar.Tests;

/// <summary>
/// daprd's rules for workflow instance ids and the calls on them, with the real Dapr.Workflow 1.18
/// worker and DaprWorkflowClient. Sources: dapr/dapr v1.18.3 pkg/actors/targets/workflow/orchestrator
/// (create.go, add.go, state.go), pkg/runtime/wfengine (wfengine.go, backends/actors/actors.go);
/// durabletask-go v0.12.4 backend/executor.go, backend/backend.go, api/errors.go.
/// </summary>
public sealed class WorkflowInstanceTests(RedisFixture redis)
{
    private static readonly TimeSpan FirstTurn = TimeSpan.FromMilliseconds(700);

    /// <summary>Its first turn takes <see cref="FirstTurn"/>, then it waits for an event that never comes.</summary>
    internal sealed class SlowFirstTurnWorkflow : Workflow<string, string>
    {
        public override Task<string> RunAsync(WorkflowContext context, string input)
        {
            if (!context.IsReplaying)
            {
                // Test-only: blocking makes the first turn measurably long.
                Thread.Sleep(FirstTurn);
            }
            return context.WaitForExternalEventAsync<string>("never");
        }
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<RpcException> FailsAsync(Func<Task> call) => Rpc(await Assert.ThrowsAnyAsync<Exception>(call));

    /// <summary>durabletask-go backend/executor.go StartInstance: CreateWorkflowInstance, then WaitForInstanceStart (status no longer PENDING).</summary>
    [Fact]
    public async Task Scheduling_returns_once_the_first_turn_is_saved()
    {
        redis.Require();
        await using var workflows = await WorkflowApp.StartAsync(redis);
        var id = Guid.NewGuid().ToString("N");

        var clock = Stopwatch.StartNew();
        await workflows.Client.ScheduleNewWorkflowAsync(nameof(SlowFirstTurnWorkflow), id, "x");
        var took = clock.Elapsed;
        var state = await workflows.Client.GetWorkflowStateAsync(id, cancellation: Cancel);

        Assert.Equal(WorkflowRuntimeStatus.Running, state?.RuntimeStatus);
        Assert.True(took >= FirstTurn - TimeSpan.FromMilliseconds(50), $"returned after {took}");
    }

    /// <summary>
    /// pkg/runtime/wfengine/wfengine.go registers the workflow actors only while a GetWorkItems stream
    /// is connected; backends/actors/actors.go CreateWorkflowInstance retries the actor call (no
    /// address: FailedPrecondition) every second until the caller's context ends. Nothing is created.
    /// </summary>
    [Fact]
    public async Task Without_a_worker_a_create_waits_until_the_caller_gives_up_and_creates_nothing()
    {
        redis.Require();
        await using var workflows = await WorkflowApp.StartAsync(redis, withWorker: false);
        using var idle = BuildWorker(workflows.Sidecar);
        var idleClient = idle.Services.GetRequiredService<DaprWorkflowClient>();
        var id = Guid.NewGuid().ToString("N");

        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        giveUp.CancelAfter(TimeSpan.FromSeconds(1.5));
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<Exception>(() => idleClient.ScheduleNewWorkflowAsync(nameof(TimeoutWorkflow), id, "x", startTime: null, giveUp.Token));
        var waited = clock.Elapsed;
        var client = await workflows.StartWorkerAsync();
        var state = await client.GetWorkflowStateAsync(id, cancellation: Cancel);

        Assert.True(waited >= TimeSpan.FromSeconds(1.4), $"gave up after {waited}");
        Assert.False(state?.Exists ?? false);
    }

    /// <summary>The same retry succeeds once a worker connects: the create goes through and returns after the first turn.</summary>
    [Fact]
    public async Task A_create_made_before_the_worker_connects_goes_through_once_it_connects()
    {
        redis.Require();
        await using var workflows = await WorkflowApp.StartAsync(redis, withWorker: false);
        using var idle = BuildWorker(workflows.Sidecar);
        var id = Guid.NewGuid().ToString("N");

        var schedule = idle.Services.GetRequiredService<DaprWorkflowClient>().ScheduleNewWorkflowAsync(nameof(TimeoutWorkflow), id, "x");
        await Task.Delay(TimeSpan.FromMilliseconds(500), Cancel);
        Assert.False(schedule.IsCompleted);
        var client = await workflows.StartWorkerAsync();
        await schedule.WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        var state = await CompletionAsync(client, id);

        Assert.Equal("timed out", state.ReadOutputAs<string>());
    }

    /// <summary>orchestrator/create.go createIfCompleted: an instance that is not completed cannot be created again (gRPC AlreadyExists); it keeps running untouched.</summary>
    [Fact]
    public async Task Scheduling_an_id_that_is_running_fails_with_AlreadyExists_and_leaves_the_instance_alone()
    {
        redis.Require();
        await using var workflows = await WorkflowApp.StartAsync(redis);
        var id = await workflows.ScheduleAsync(nameof(ForeverWorkflow), "first");

        var again = await FailsAsync(() => workflows.Client.ScheduleNewWorkflowAsync(nameof(ForeverWorkflow), id, "second"));
        var state = await workflows.Client.GetWorkflowStateAsync(id, getInputsAndOutputs: true, Cancel);

        Assert.Equal(StatusCode.AlreadyExists, again.StatusCode);
        Assert.Contains($"an active workflow with ID '{id}' already exists", again.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(WorkflowRuntimeStatus.Running, state?.RuntimeStatus);
        Assert.Equal("first", state?.ReadInputAs<string>());
    }

    /// <summary>
    /// orchestrator/create.go createIfCompleted at v1.18.3: a completed instance (no running
    /// children) is reset and created again. (The 1.18.0 release notes say ids can no longer be
    /// reused at all; the code says otherwise, and the sidecar follows the code.)
    /// </summary>
    [Fact]
    public async Task A_completed_id_is_created_again()
    {
        redis.Require();
        await using var workflows = await WorkflowApp.StartAsync(redis);
        var id = await workflows.ScheduleAsync(nameof(TimeoutWorkflow), "first");
        await CompletionAsync(workflows.Client, id);

        await workflows.Client.ScheduleNewWorkflowAsync(nameof(TimeoutWorkflow), id, "second");
        var state = await CompletionAsync(workflows.Client, id);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal("second", state.ReadInputAs<string>());
    }

    /// <summary>
    /// orchestrator/add.go addWorkflowEvent answers api.ErrInstanceNotFound ("no such instance
    /// exists") for an instance without state; executor.go RaiseEvent returns it as is,
    /// TerminateInstance wraps it ("failed to submit termination request: "), PurgeInstances too
    /// ("failed to purge workflow state: "): plain errors, gRPC Unknown. Nothing is created.
    /// </summary>
    [Fact]
    public async Task Raise_terminate_and_purge_of_an_unknown_id_fail_with_no_such_instance_and_create_nothing()
    {
        redis.Require();
        await using var workflows = await WorkflowApp.StartAsync(redis);
        var id = "unknown-" + Guid.NewGuid().ToString("N");

        var raise = await FailsAsync(() => workflows.Client.RaiseEventAsync(id, "reply", "x", Cancel));
        var terminate = await FailsAsync(() => workflows.Client.TerminateWorkflowAsync(id, "stop", Cancel));
        var purge = await FailsAsync(() => workflows.Client.PurgeInstanceAsync(id, Cancel));
        var state = await workflows.Client.GetWorkflowStateAsync(id, cancellation: Cancel);

        Assert.Equal(StatusCode.Unknown, raise.StatusCode);
        Assert.Equal("no such instance exists", raise.Status.Detail);
        Assert.Equal(StatusCode.Unknown, terminate.StatusCode);
        Assert.Equal("failed to submit termination request: no such instance exists", terminate.Status.Detail);
        Assert.Equal(StatusCode.Unknown, purge.StatusCode);
        Assert.StartsWith("failed to purge workflow state: ", purge.Status.Detail, StringComparison.Ordinal);
        Assert.EndsWith("no such instance exists", purge.Status.Detail, StringComparison.Ordinal);
        Assert.False(state?.Exists ?? false);
    }

    /// <summary>orchestrator/state.go purgeWorkflowState: a workflow that is not completed answers api.ErrNotCompleted; the instance stays.</summary>
    [Fact]
    public async Task Purging_a_running_instance_fails_and_keeps_it()
    {
        redis.Require();
        await using var workflows = await WorkflowApp.StartAsync(redis);
        var id = await workflows.ScheduleAsync(nameof(ForeverWorkflow), "x");

        var purge = await FailsAsync(() => workflows.Client.PurgeInstanceAsync(id, Cancel));
        var state = await workflows.Client.GetWorkflowStateAsync(id, cancellation: Cancel);

        Assert.Equal(StatusCode.Unknown, purge.StatusCode);
        Assert.Equal("failed to purge workflow state: orchestration has not yet completed", purge.Status.Detail);
        Assert.Equal(WorkflowRuntimeStatus.Running, state?.RuntimeStatus);
    }

    /// <summary>durabletask-go backend/executor.go TerminateInstance returns after WaitForInstanceCompletion.</summary>
    [Fact]
    public async Task Terminate_returns_once_the_instance_is_terminated()
    {
        redis.Require();
        await using var workflows = await WorkflowApp.StartAsync(redis);
        var id = await workflows.ScheduleAsync(nameof(ForeverWorkflow), "x");

        await workflows.Client.TerminateWorkflowAsync(id, "stop", Cancel);
        var state = await workflows.Client.GetWorkflowStateAsync(id, cancellation: Cancel);

        Assert.Equal(WorkflowRuntimeStatus.Terminated, state?.RuntimeStatus);
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/actors/targets/workflow/orchestrator/create.go and pkg/actors/api/api.go
    /// ActorKey: the instance id is the workflow actor's id, compared and stored as an ordinal string (actor
    /// table and state keys <c>actorType||actorID</c>): another casing is another, unknown id.
    /// </summary>
    [Fact]
    public async Task Instance_ids_are_case_sensitive()
    {
        redis.Require();
        await using var workflows = await WorkflowApp.StartAsync(redis);
        var id = "Case-" + Guid.NewGuid().ToString("N");
        var other = id.ToUpperInvariant();
        await workflows.Client.ScheduleNewWorkflowAsync(nameof(ForeverWorkflow), id, "x");

        var otherState = await workflows.Client.GetWorkflowStateAsync(other, cancellation: Cancel);
        var raise = await FailsAsync(() => workflows.Client.RaiseEventAsync(other, "never", "x", Cancel));
        var terminate = await FailsAsync(() => workflows.Client.TerminateWorkflowAsync(other, "stop", Cancel));
        var purge = await FailsAsync(() => workflows.Client.PurgeInstanceAsync(other, Cancel));
        using var http = new HttpClient { BaseAddress = workflows.Sidecar.HttpEndpoint };
        using var httpOther = await http.GetAsync($"/v1.0/workflows/dapr/{other}", Cancel);
        var state = await workflows.Client.GetWorkflowStateAsync(id, cancellation: Cancel);

        Assert.False(otherState?.Exists ?? false);
        Assert.Equal("no such instance exists", raise.Status.Detail);
        Assert.EndsWith("no such instance exists", terminate.Status.Detail, StringComparison.Ordinal);
        Assert.EndsWith("no such instance exists", purge.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, httpOther.StatusCode);
        Assert.Equal(WorkflowRuntimeStatus.Running, state?.RuntimeStatus);
    }
}
