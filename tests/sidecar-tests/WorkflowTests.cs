using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Dapr.Workflow;
using Grpc.Core;
using static Sidecar.Tests.Infrastructure.WorkflowWorker;

namespace Sidecar.Tests;

/// <summary>The real Dapr.Workflow 1.18 worker and DaprWorkflowClient against the sidecar's TaskHubSidecarService.</summary>
public sealed class WorkflowTests(RedisFixture redis)
{
    internal sealed class UpperActivity : WorkflowActivity<string, string>
    {
        public override Task<string> RunAsync(WorkflowActivityContext context, string input) => Task.FromResult(input.ToUpperInvariant());
    }

    /// <summary>Records the trace the activity code runs in (Activity.Current as the SDK sets it up).</summary>
    internal sealed class TracedActivity : WorkflowActivity<string, string>
    {
        public static readonly ConcurrentDictionary<string, string> Seen = new();

        public override Task<string> RunAsync(WorkflowActivityContext context, string input)
        {
            Seen[input] = Activity.Current?.TraceId.ToHexString() ?? "none";
            return Task.FromResult(input);
        }
    }

    internal sealed class TracedWorkflow : Workflow<string, string>
    {
        public override async Task<string> RunAsync(WorkflowContext context, string input)
        {
            await context.CallActivityAsync<string>(nameof(TracedActivity), input + "-1");
            return await context.CallActivityAsync<string>(nameof(TracedActivity), input + "-2");
        }
    }

    internal sealed class RequestReplyWorkflow : Workflow<string, string>
    {
        public override async Task<string> RunAsync(WorkflowContext context, string input)
        {
            var upper = await context.CallActivityAsync<string>(nameof(UpperActivity), input);
            var reply = await context.WaitForExternalEventAsync<string>("reply", TimeSpan.FromSeconds(20));
            return $"{upper}:{reply}";
        }
    }

    internal sealed class LateWaitWorkflow : Workflow<string, string>
    {
        public override async Task<string> RunAsync(WorkflowContext context, string input)
        {
            await context.CreateTimer(TimeSpan.FromMilliseconds(500));
            return await context.WaitForExternalEventAsync<string>("reply", TimeSpan.FromSeconds(20));
        }
    }

    internal sealed class TimeoutWorkflow : Workflow<string, string>
    {
        public override async Task<string> RunAsync(WorkflowContext context, string input)
        {
            try
            {
                return await context.WaitForExternalEventAsync<string>("reply", TimeSpan.FromMilliseconds(300));
            }
            catch (TaskCanceledException)
            {
                return "timed out";
            }
        }
    }

    internal sealed class ForeverWorkflow : Workflow<string, string>
    {
        public override Task<string> RunAsync(WorkflowContext context, string input) =>
            context.WaitForExternalEventAsync<string>("never");
    }

    [Fact]
    public async Task Workflow_runs_an_activity_and_receives_an_external_event()
    {
        redis.Require();
        await using var workflows = await WorkflowApp.StartAsync(redis);
        var id = await workflows.StartInstanceAsync(nameof(RequestReplyWorkflow), "hello");

        await workflows.Client.RaiseEventAsync(id, "reply", "world", TestContext.Current.CancellationToken);
        var state = await CompletionAsync(workflows.Client, id);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal("HELLO:world", state.ReadOutputAs<string>());
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/diagnostics/workflow_monitoring.go with its records in
    /// pkg/runtime/wfengine/backends/actors/actors.go (create_workflow, add_event for a raised event and
    /// a terminate, purge_workflow; a failed operation is status failed),
    /// pkg/actors/targets/workflow/orchestrator/run.go (an execution counts once, when it completes or is
    /// terminated) and activity/owner.go, publish.go (an activity scheduled, then executed).
    /// </summary>
    [Fact]
    public async Task Workflow_operations_executions_and_activities_count_in_daprd_metrics()
    {
        redis.Require();
        await using var workflows = await WorkflowApp.StartAsync(redis);

        var done = await workflows.StartInstanceAsync(nameof(RequestReplyWorkflow), "hello");
        await workflows.Client.RaiseEventAsync(done, "reply", "world", TestContext.Current.CancellationToken);
        await CompletionAsync(workflows.Client, done);
        var stopped = await workflows.StartInstanceAsync(nameof(RequestReplyWorkflow), "bye");
        await workflows.Client.TerminateWorkflowAsync(stopped, "stop", TestContext.Current.CancellationToken);
        await workflows.Client.PurgeInstanceAsync(done, TestContext.Current.CancellationToken);
        await Assert.ThrowsAnyAsync<Exception>(() => workflows.Client.RaiseEventAsync("no-such-instance", "reply", "x", TestContext.Current.CancellationToken));
        using var http = new HttpClient();
        var lines = (await http.GetStringAsync(workflows.Sidecar.MetricsEndpoint, TestContext.Current.CancellationToken)).Split('\n');

        string Operation(string operation, string status) => $"{{app_id=\"ingress\",namespace=\"\",operation=\"{operation}\",status=\"{status}\"}}";
        Assert.Contains($"dapr_runtime_workflow_operation_count{Operation("create_workflow", "success")} 2", lines);
        Assert.Contains($"dapr_runtime_workflow_operation_count{Operation("add_event", "success")} 2", lines);
        Assert.Contains($"dapr_runtime_workflow_operation_count{Operation("add_event", "failed")} 1", lines);
        Assert.Contains($"dapr_runtime_workflow_operation_count{Operation("purge_workflow", "success")} 1", lines);
        Assert.Contains($"dapr_runtime_workflow_operation_latency_count{Operation("create_workflow", "success")} 2", lines);
        string Execution(string status) => $"{{app_id=\"ingress\",namespace=\"\",status=\"{status}\",workflow_name=\"{nameof(RequestReplyWorkflow)}\"}}";
        Assert.Contains($"dapr_runtime_workflow_execution_count{Execution("success")} 1", lines);
        Assert.Contains($"dapr_runtime_workflow_execution_count{Execution("terminated")} 1", lines);
        string Activity(string status) => $"{{activity_name=\"{nameof(UpperActivity)}\",app_id=\"ingress\",namespace=\"\",status=\"{status}\"}}";
        Assert.Contains($"dapr_runtime_workflow_activity_operation_count{Activity("success")} 2", lines);
        Assert.Contains($"dapr_runtime_workflow_activity_execution_count{Activity("success")} 2", lines);
    }

    [Fact]
    public async Task Activities_run_in_the_trace_of_the_caller_that_scheduled_the_workflow()
    {
        redis.Require();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("Dapr", StringComparison.Ordinal) || source.Name == CallerSourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        await using var workflows = await WorkflowApp.StartAsync(redis);
        var id = Guid.NewGuid().ToString("N");

        string callerTrace;
        using (var request = Caller.StartActivity("POST /forecast"))
        {
            callerTrace = request!.TraceId.ToHexString();
            await workflows.Client.ScheduleNewWorkflowAsync(nameof(TracedWorkflow), id, id);
        }
        var state = await CompletionAsync(workflows.Client, id);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal(callerTrace, TracedActivity.Seen[id + "-1"]);
        Assert.Equal(callerTrace, TracedActivity.Seen[id + "-2"]);
    }

    private const string CallerSourceName = "Sidecar.Tests.Caller";

    private static readonly ActivitySource Caller = new(CallerSourceName);

    [Fact]
    public async Task An_event_raised_before_the_wait_is_delivered_when_the_workflow_waits()
    {
        redis.Require();
        await using var workflows = await WorkflowApp.StartAsync(redis);
        var id = await workflows.StartInstanceAsync(nameof(LateWaitWorkflow), "x");

        await workflows.Client.RaiseEventAsync(id, "reply", "early", TestContext.Current.CancellationToken);
        var state = await CompletionAsync(workflows.Client, id);

        Assert.Equal("early", state.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Waiting_for_an_event_times_out()
    {
        redis.Require();
        await using var workflows = await WorkflowApp.StartAsync(redis);
        var id = await workflows.ScheduleAsync(nameof(TimeoutWorkflow), "x");

        var state = await CompletionAsync(workflows.Client, id);

        Assert.Equal("timed out", state.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Terminate_purge_and_state_of_an_unknown_instance()
    {
        redis.Require();
        await using var workflows = await WorkflowApp.StartAsync(redis);
        var id = await workflows.StartInstanceAsync(nameof(ForeverWorkflow), "x");

        await workflows.Client.TerminateWorkflowAsync(id, "stop", TestContext.Current.CancellationToken);
        var terminated = await CompletionAsync(workflows.Client, id);
        var purged = await workflows.Client.PurgeInstanceAsync(id, TestContext.Current.CancellationToken);
        var afterPurge = await workflows.Client.GetWorkflowStateAsync(id, cancellation: TestContext.Current.CancellationToken);
        var unknown = await workflows.Client.GetWorkflowStateAsync("no-such-" + id, cancellation: TestContext.Current.CancellationToken);

        Assert.Equal(WorkflowRuntimeStatus.Terminated, terminated.RuntimeStatus);
        Assert.True(purged);
        Assert.False(afterPurge?.Exists ?? false);
        Assert.False(unknown?.Exists ?? false);
    }

    [Fact]
    public async Task While_the_actor_state_store_is_down_workflow_calls_fail_as_in_daprd_and_work_again_after()
    {
        redis.Require();
        await using var store = await RedisServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        await using var workflows = await WorkflowApp.StartAsync(await Sidecars.StartAsync("ingress", Resources.Real(store.Endpoint)));
        var client = workflows.Client;
        using var http = new HttpClient { BaseAddress = workflows.Sidecar.HttpEndpoint };
        var running = await workflows.StartInstanceAsync(nameof(ForeverWorkflow), "x");

        await store.StopAsync();
        var start = await Assert.ThrowsAnyAsync<Exception>(() => client.ScheduleNewWorkflowAsync(nameof(TimeoutWorkflow), Guid.NewGuid().ToString("N"), "x"));
        var raise = await Assert.ThrowsAnyAsync<Exception>(() => client.RaiseEventAsync(running, "never", "x", TestContext.Current.CancellationToken));
        var terminate = await Assert.ThrowsAnyAsync<Exception>(() => client.TerminateWorkflowAsync(running, "stop", TestContext.Current.CancellationToken));
        using var healthz = await http.GetAsync("/v1.0/healthz", TestContext.Current.CancellationToken);

        // daprd returns the actor state store's error as a plain error: gRPC Unknown.
        Assert.Equal(StatusCode.Unknown, Rpc(start).StatusCode);
        Assert.StartsWith("failed to create workflow instance: failed to load workflow metadata: ", Rpc(start).Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unknown, Rpc(raise).StatusCode);
        Assert.Equal(StatusCode.Unknown, Rpc(terminate).StatusCode);
        // daprd's healthz has no component targets: it stays healthy after init.
        Assert.Equal(HttpStatusCode.NoContent, healthz.StatusCode);

        await store.StartAsync(TestContext.Current.CancellationToken);
        var id = Guid.NewGuid().ToString("N");
        await Sidecars.WaitUntilAsync(async () =>
        {
            try
            {
                await client.ScheduleNewWorkflowAsync(nameof(TimeoutWorkflow), id, "x");
                return true;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unknown)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(15), "scheduling to work again once Redis is back");
        var state = await CompletionAsync(client, id);
        Assert.Equal("timed out", state.ReadOutputAs<string>());
    }

    internal static RpcException Rpc(Exception ex) =>
        ex as RpcException ?? ex.InnerException as RpcException ?? throw new InvalidOperationException($"not a gRPC error: {ex}");

    [Fact]
    public async Task Http_workflow_state_has_daprd_shape_and_unknown_ids_are_404()
    {
        redis.Require();
        await using var workflows = await WorkflowApp.StartAsync(redis);
        var id = await workflows.ScheduleAsync(nameof(TimeoutWorkflow), "in");
        await CompletionAsync(workflows.Client, id);
        using var http = new HttpClient { BaseAddress = workflows.Sidecar.HttpEndpoint };

        using var found = await http.GetAsync($"/v1.0/workflows/dapr/{id}", TestContext.Current.CancellationToken);
        using var missing = await http.GetAsync("/v1.0/workflows/dapr/nope", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        var body = JsonDocument.Parse(await found.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(id, body.GetProperty("instanceID").GetString());
        Assert.Equal(nameof(TimeoutWorkflow), body.GetProperty("workflowName").GetString());
        Assert.Equal("COMPLETED", body.GetProperty("runtimeStatus").GetString());
        Assert.True(body.TryGetProperty("createdAt", out _));
        Assert.True(body.TryGetProperty("lastUpdatedAt", out _));
        Assert.Equal("\"timed out\"", body.GetProperty("properties").GetProperty("dapr.workflow.output").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
