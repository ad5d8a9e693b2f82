using System.Collections.Concurrent;
using Dapr.Workflow;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using static Sidecar.Tests.Infrastructure.WorkflowWorker;
using StackExchange.Redis;
using P = Microsoft.DurableTask.Protobuf;

namespace Sidecar.Tests;

/// <summary>
/// Workflow state outlives the sidecar. daprd keeps every instance in the actor state store
/// (dapr/dapr v1.18.3 pkg/runtime/wfengine/state state.go, load.go; the workflow actor's create.go,
/// add.go and run.go save it) and its reminders, held by the Scheduler service, resume it after a
/// restart: start- and new-event- run a turn, timer- fires a timer, run-activity runs an activity
/// again. Each test kills the sidecar and its worker with SIGKILL (a pod lost) and starts new ones
/// on the same Redis.
/// </summary>
public sealed class WorkflowDurabilityTests(RedisFixture redis)
{
    private static readonly ConcurrentDictionary<string, int> Attempts = new();
    private static readonly ConcurrentDictionary<string, ManualResetEventSlim> Holds = new();

    internal sealed class AwaitReplyWorkflow : Workflow<string, string>
    {
        public override async Task<string> RunAsync(WorkflowContext context, string input) =>
            input + ":" + await context.WaitForExternalEventAsync<string>("reply");
    }

    internal sealed class NapWorkflow : Workflow<int, string>
    {
        public override async Task<string> RunAsync(WorkflowContext context, int seconds)
        {
            await context.CreateTimer(TimeSpan.FromSeconds(seconds));
            return "woke at " + context.CurrentUtcDateTime.ToString("O");
        }
    }

    internal sealed class HeldOnceActivity : WorkflowActivity<string, string>
    {
        public override async Task<string> RunAsync(WorkflowActivityContext context, string input)
        {
            var attempt = Attempts.AddOrUpdate(input, 1, (_, n) => n + 1);
            if (attempt == 1)
            {
                await Task.Run(() => Holds[input].Wait());
            }
            return $"{input} ran {attempt} times";
        }
    }

    internal sealed class ActivityWorkflow : Workflow<string, string>
    {
        public override Task<string> RunAsync(WorkflowContext context, string input) =>
            context.CallActivityAsync<string>(nameof(HeldOnceActivity), input);
    }

    /// <summary>
    /// Runs <paramref name="work"/> with a worker on a sidecar on <paramref name="store"/>, then loses that
    /// pod: the sidecar and the app's worker die with SIGKILL, nothing stopped in order.
    /// </summary>
    private static async Task OnAPodThatIsLostAsync(RedisServer store, Func<DaprWorkflowClient, Task> work)
    {
        await using var sidecar = await StartSidecarAsync(store);
        var worker = await StartWorkerAsync(sidecar);
        await work(worker.Services.GetRequiredService<DaprWorkflowClient>());
        await sidecar.KillAsync();
        await KillWorkerAsync(worker);
    }

    /// <summary>Schedules <paramref name="workflow"/> on a pod that is lost once the instance has started; the instance's id.</summary>
    private static async Task<string> StartedOnALostPodAsync<TInput>(RedisServer store, string workflow, TInput input)
    {
        var id = Guid.NewGuid().ToString("N");
        await OnAPodThatIsLostAsync(store, async client =>
        {
            await client.ScheduleNewWorkflowAsync(workflow, id, input);
            await StartedAsync(client, id);
        });
        return id;
    }

    private static Task<SidecarProcess> StartSidecarAsync(RedisServer store) =>
        Sidecars.StartAsync("ingress", Resources.Real(store.Endpoint));

    private static string Key(string instanceId, string row) => $"ingress||dapr.internal.default.ingress.workflow||{instanceId}||{row}";

    [Fact]
    public async Task An_instance_waiting_for_an_event_survives_a_sidecar_restart_and_completes_when_the_event_is_raised_after_it()
    {
        redis.Require();
        await using var store = await RedisServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var id = await StartedOnALostPodAsync(store, nameof(AwaitReplyWorkflow), "asked");

        await using var second = await WorkflowApp.StartAsync(await StartSidecarAsync(store));
        var again = second.Client;
        var before = await again.GetWorkflowStateAsync(id, getInputsAndOutputs: true, TestContext.Current.CancellationToken);
        await again.RaiseEventAsync(id, "reply", "answered", TestContext.Current.CancellationToken);
        var state = await CompletionAsync(again, id);

        Assert.Equal(WorkflowRuntimeStatus.Running, before?.RuntimeStatus);
        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal("asked:answered", state.ReadOutputAs<string>());
    }

    /// <summary>run.go createTimers: the timer- reminder lives in the Scheduler and fires after the restart.</summary>
    [Fact]
    public async Task A_timer_set_before_a_sidecar_restart_fires_after_it()
    {
        redis.Require();
        await using var store = await RedisServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var id = await StartedOnALostPodAsync(store, nameof(NapWorkflow), 6);

        var restarted = await StartSidecarAsync(store);
        var restartedAt = DateTime.UtcNow;
        await using var second = await WorkflowApp.StartAsync(restarted);
        var state = await CompletionAsync(second.Client, id);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.StartsWith("woke at ", state.ReadOutputAs<string>(), StringComparison.Ordinal);
        Assert.True(state.LastUpdatedAt.ToUniversalTime() > restartedAt, $"completed at {state.LastUpdatedAt:O}, before the restart at {restartedAt:O}");
        Assert.Contains(second.Sidecar.Output, line => line.Contains("1 timers armed again", StringComparison.Ordinal) || SidecarUnderTest.Current.IsDaprd);
    }

    /// <summary>activity/invoke.go: the run-activity reminder fires again after the restart, so an activity in flight runs again (at least once).</summary>
    [Fact]
    public async Task An_activity_in_flight_at_a_sidecar_restart_runs_again_after_it()
    {
        redis.Require();
        await using var store = await RedisServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var id = Guid.NewGuid().ToString("N");
        var hold = Holds[id] = new ManualResetEventSlim();
        try
        {
            await OnAPodThatIsLostAsync(store, async client =>
            {
                await client.ScheduleNewWorkflowAsync(nameof(ActivityWorkflow), id, id);
                await Sidecars.WaitUntilAsync(() => Task.FromResult(Attempts.GetValueOrDefault(id) == 1), WaitLimit, "the activity started on the first worker");
            });

            await using var second = await WorkflowApp.StartAsync(await StartSidecarAsync(store));
            var state = await CompletionAsync(second.Client, id);

            Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
            Assert.Equal($"{id} ran 2 times", state.ReadOutputAs<string>());
        }
        finally
        {
            hold.Set();
        }
    }

    /// <summary>
    /// pkg/runtime/wfengine/state/state.go (keys metadata, inbox-%06d, history-%06d, customStatus;
    /// proto.Marshal of BackendWorkflowStateMetadata, HistoryEvent and StringValue), pkg/actors/state
    /// (key {appId}||{actorType}||{actorId}||{key}, actor type dapr.internal.{namespace}.{appId}.workflow,
    /// namespace "default" without NAMESPACE) and components-contrib state/redis (a hash of data and
    /// version). An event raised while no turn can run waits in inbox-000000; the turn moves it to the
    /// history and deletes the inbox row; a purge deletes every key.
    /// </summary>
    [Fact]
    public async Task Keys_and_values_in_Redis_follow_daprds_layout()
    {
        redis.Require();
        await using var store = await RedisServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(store.Endpoint);
        var db = connection.GetDatabase();
        var id = Guid.NewGuid().ToString("N");
        await using var workflows = await WorkflowApp.StartAsync(await StartSidecarAsync(store), withWorker: false);
        using var worker = await StartWorkerAsync(workflows.Sidecar);
        var client = worker.Services.GetRequiredService<DaprWorkflowClient>();
        await client.ScheduleNewWorkflowAsync(nameof(AwaitReplyWorkflow), id, "asked");
        await StartedAsync(client, id);

        async Task<string[]> RowsAsync() =>
            [.. (await connection.GetServers()[0].KeysAsync(pattern: Key(id, "*")).ToArrayAsync()).Select(k => k.ToString()[(Key(id, "").Length)..]).Order(StringComparer.Ordinal)];
        async Task<byte[]> DataAsync(string row)
        {
            var fields = await db.HashGetAllAsync(Key(id, row));
            Assert.Equal(["data", "version"], fields.Select(f => f.Name.ToString()).Order(StringComparer.Ordinal));
            return (byte[])fields.Single(f => f.Name == "data").Value!;
        }
        async Task<P.HistoryEvent> EventAsync(string row) => P.HistoryEvent.Parser.ParseFrom(await DataAsync(row));

        // After the first turn: the start event and what the turn added are history; the inbox is empty.
        var afterFirstTurn = await RowsAsync();
        Assert.Equal(["customStatus", "history-000000", "history-000001", "metadata"], afterFirstTurn);
        Assert.Equal((0UL, 2UL, 1UL), Metadata(await DataAsync("metadata")));
        Assert.Equal(P.HistoryEvent.EventTypeOneofCase.OrchestratorStarted, (await EventAsync("history-000000")).EventTypeCase);
        var started = await EventAsync("history-000001");
        Assert.Equal(nameof(AwaitReplyWorkflow), started.ExecutionStarted.Name);
        Assert.Equal(id, started.ExecutionStarted.OrchestrationInstance.InstanceId);
        Assert.Equal("\"asked\"", started.ExecutionStarted.Input);
        Assert.Equal("", Google.Protobuf.WellKnownTypes.StringValue.Parser.ParseFrom(await DataAsync("customStatus")).Value);

        // No worker, so no turn: the raised event waits in the inbox.
        await worker.StopAsync(TestContext.Current.CancellationToken);
        await client.RaiseEventAsync(id, "reply", "answered", TestContext.Current.CancellationToken);
        Assert.Contains("inbox-000000", await RowsAsync());
        Assert.Equal((1UL, 2UL, 1UL), Metadata(await DataAsync("metadata")));
        var raised = await EventAsync("inbox-000000");
        Assert.Equal("reply", raised.EventRaised.Name);
        Assert.Equal("\"answered\"", raised.EventRaised.Input);

        var again = await workflows.StartWorkerAsync();
        await CompletionAsync(again, id);
        var afterCompletion = await RowsAsync();
        Assert.DoesNotContain("inbox-000000", afterCompletion);
        var (inbox, history, generation) = Metadata(await DataAsync("metadata"));
        Assert.Equal((0UL, 1UL), (inbox, generation));
        Assert.Equal(afterCompletion.Count(r => r.StartsWith("history-", StringComparison.Ordinal)), (int)history);
        // The second turn: OrchestratorStarted, the raised event, ExecutionCompleted (durabletask-go writes no OrchestratorCompleted).
        var turn = await Task.WhenAll(Enumerable.Range(2, (int)history - 2).Select(i => EventAsync(WorkflowRow("history", i))));
        Assert.Equal(
            [P.HistoryEvent.EventTypeOneofCase.OrchestratorStarted, P.HistoryEvent.EventTypeOneofCase.EventRaised, P.HistoryEvent.EventTypeOneofCase.ExecutionCompleted],
            turn.Select(e => e.EventTypeCase));
        Assert.Equal("\"asked:answered\"", turn[^1].ExecutionCompleted.Result);

        await again.PurgeInstanceAsync(id, TestContext.Current.CancellationToken);
        Assert.Empty(await RowsAsync());
    }

    /// <summary>
    /// orchestrator/run.go handleRetention and retentioner/retentioner.go: with the Configuration's
    /// spec.workflow.stateRetentionPolicy, a finished instance's state is purged its duration after it
    /// completed (anyTerminal when its status has none of its own); until then it is all there.
    /// </summary>
    [Fact]
    public async Task A_finished_instance_is_purged_when_the_configured_retention_runs_out()
    {
        redis.Require();
        await using var store = await RedisServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(store.Endpoint);
        var config = Path.Combine(Directory.CreateTempSubdirectory("retention-").FullName, "config.yaml");
        await File.WriteAllTextAsync(config, """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: retention
            spec:
              workflow:
                stateRetentionPolicy:
                  anyTerminal: 3s
            """, TestContext.Current.CancellationToken);
        await using var workflows = await WorkflowApp.StartAsync(await Sidecars.StartAsync("ingress", Resources.Real(store.Endpoint), extraArguments: ["--config", config]));
        var id = await workflows.ScheduleAsync(nameof(NapWorkflow), 0);
        await CompletionAsync(workflows.Client, id);

        var keysAfterCompletion = await connection.GetServers()[0].KeysAsync(pattern: Key(id, "*")).CountAsync(TestContext.Current.CancellationToken);
        await Sidecars.WaitUntilAsync(async () => await connection.GetServers()[0].KeysAsync(pattern: Key(id, "*")).CountAsync(TestContext.Current.CancellationToken) == 0,
            WaitLimit, "the finished instance purged");

        Assert.True(keysAfterCompletion > 0, "the finished instance's state is kept until its retention runs out");
        var purged = await workflows.Client.GetWorkflowStateAsync(id, cancellation: TestContext.Current.CancellationToken);
        Assert.False(purged?.Exists ?? false);
    }

    private static string WorkflowRow(string prefix, int index) => $"{prefix}-{index:D6}";

    private static (ulong Inbox, ulong History, ulong Generation) Metadata(byte[] data)
    {
        var input = new CodedInputStream(data);
        ulong inbox = 0, history = 0, generation = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var value = input.ReadUInt64();
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: inbox = value; break;
                case 2: history = value; break;
                case 3: generation = value; break;
            }
        }
        return (inbox, history, generation);
    }

    /// <summary>
    /// orchestrator/run.go with the store down: the turn's load or save fails and its reminder fires
    /// again every second (Constant 1s, no limit); GetInstance, which reads the store, fails too, and
    /// so does a wait on an instance whose state is not cached (durabletask-go v0.12.4
    /// backend/executor.go waitForInstance through backends/actors/actors.go
    /// WatchWorkflowRuntimeStatus to orchestrator/stream.go handleStream, whose loadInternalState
    /// returns the store's error). The inbox and history rows stay, so every instance finishes once
    /// Redis is back.
    /// </summary>
    [Fact]
    public async Task While_Redis_is_down_turns_stop_and_every_instance_finishes_once_it_is_back()
    {
        redis.Require();
        await using var store = await RedisServer.StartAsync(appendOnly: true, cancellationToken: TestContext.Current.CancellationToken);
        await using var workflows = await WorkflowApp.StartAsync(await StartSidecarAsync(store));
        List<string> ids = [];
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await workflows.StartInstanceAsync(nameof(NapWorkflow), 2));
        }

        await store.StopAsync();
        await Sidecars.WaitForOwnLogAsync(workflows.Sidecar, "turn failed, retrying in", WaitLimit);
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        var read = await Assert.ThrowsAnyAsync<Exception>(() => workflows.Client.GetWorkflowStateAsync(ids[0], cancellation: TestContext.Current.CancellationToken));
        Assert.Equal(StatusCode.Unknown, WorkflowTests.Rpc(read).StatusCode);
        Assert.StartsWith("failed to load workflow metadata: ", WorkflowTests.Rpc(read).Status.Detail, StringComparison.Ordinal);
        using (var waitLimit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            // The failed turns dropped every instance's cached state: the wait loads it and fails.
            waitLimit.CancelAfter(TimeSpan.FromSeconds(10));
            var wait = await Assert.ThrowsAnyAsync<Exception>(() => workflows.Client.WaitForWorkflowCompletionAsync(ids[1], cancellation: waitLimit.Token));
            Assert.Equal(StatusCode.Unknown, WorkflowTests.Rpc(wait).StatusCode);
            Assert.StartsWith("failed to load workflow metadata: ", WorkflowTests.Rpc(wait).Status.Detail, StringComparison.Ordinal);
        }

        await store.StartAsync(TestContext.Current.CancellationToken);
        // A wait's first load needs the store: wait for the sidecar's connection to be back first.
        await Sidecars.WaitUntilAsync(async () =>
        {
            try
            {
                await workflows.Client.GetWorkflowStateAsync(ids[0], cancellation: TestContext.Current.CancellationToken);
                return true;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unknown)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(15), "workflow reads to work again once Redis is back");
        foreach (var id in ids)
        {
            var state = await CompletionAsync(workflows.Client, id);
            Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        }
    }

    /// <summary>
    /// orchestrator/create.go: a workflow scheduled to start later (CreateInstanceRequest
    /// scheduledStartTimestamp) stays PENDING, its start reminder due at the start time; the
    /// Scheduler keeps that reminder over a restart, so the first turn runs no earlier after a
    /// restart either.
    /// </summary>
    [Fact]
    public async Task A_start_scheduled_for_later_waits_for_its_time_after_a_sidecar_restart()
    {
        redis.Require();
        await using var store = await RedisServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var id = Guid.NewGuid().ToString("N");
        var startAt = DateTime.UtcNow.AddSeconds(15);
        await OnAPodThatIsLostAsync(store, async client =>
        {
            await client.ScheduleNewWorkflowAsync(nameof(NapWorkflow), id, 0, startAt);
            await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
            Assert.Equal(WorkflowRuntimeStatus.Pending, (await client.GetWorkflowStateAsync(id, cancellation: TestContext.Current.CancellationToken))!.RuntimeStatus);
        });

        await using var second = await StartSidecarAsync(store);
        using var host = await StartWorkerAsync(second);
        var state = await CompletionAsync(host.Services.GetRequiredService<DaprWorkflowClient>(), id);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        var wokeAt = DateTime.Parse(state.ReadOutputAs<string>()!["woke at ".Length..], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind).ToUniversalTime();
        Assert.True(wokeAt >= startAt, $"the first turn ran at {wokeAt:O}, before the scheduled start {startAt:O}");
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// orchestrator/add.go addWorkflowEvent with dedup/dedup.go IsDuplicateExternalEvent: only a
    /// redelivery of one raise is dropped (same name and same ingestion timestamp, which
    /// backends/actors/actors.go AddNewWorkflowEvent makes unique per raise); the same event raised
    /// twice is two events, each saved in the inbox and both in the history after the turn.
    /// </summary>
    [Fact]
    public async Task The_same_event_raised_twice_is_saved_twice()
    {
        redis.Require();
        await using var store = await RedisServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(store.Endpoint);
        var db = connection.GetDatabase();
        var id = Guid.NewGuid().ToString("N");
        await using var sidecar = await StartSidecarAsync(store);
        using var worker = await StartWorkerAsync(sidecar);
        var client = worker.Services.GetRequiredService<DaprWorkflowClient>();
        await client.ScheduleNewWorkflowAsync(nameof(AwaitReplyWorkflow), id, "asked");
        await StartedAsync(client, id);
        async Task<P.HistoryEvent> EventAsync(string row) => P.HistoryEvent.Parser.ParseFrom((byte[])(await db.HashGetAsync(Key(id, row), "data"))!);

        // No worker, so no turn: both raises wait in the inbox.
        await worker.StopAsync(TestContext.Current.CancellationToken);
        await client.RaiseEventAsync(id, "reply", "again", TestContext.Current.CancellationToken);
        await client.RaiseEventAsync(id, "reply", "again", TestContext.Current.CancellationToken);
        Assert.Equal((2UL, 2UL, 1UL), Metadata((byte[])(await db.HashGetAsync(Key(id, "metadata"), "data"))!));
        var raised = new[] { await EventAsync("inbox-000000"), await EventAsync("inbox-000001") };
        Assert.All(raised, e => Assert.Equal(("reply", "\"again\""), (e.EventRaised.Name, e.EventRaised.Input)));
        Assert.NotEqual(raised[0].Timestamp, raised[1].Timestamp);

        using var host = await StartWorkerAsync(sidecar);
        var state = await CompletionAsync(host.Services.GetRequiredService<DaprWorkflowClient>(), id);
        Assert.Equal("asked:again", state.ReadOutputAs<string>());
        var (inbox, history, _) = Metadata((byte[])(await db.HashGetAsync(Key(id, "metadata"), "data"))!);
        Assert.Equal(0UL, inbox);
        var events = await Task.WhenAll(Enumerable.Range(0, (int)history).Select(i => EventAsync(WorkflowRow("history", i))));
        Assert.Equal(2, events.Count(e => e.EventTypeCase == P.HistoryEvent.EventTypeOneofCase.EventRaised));
        await host.StopAsync(TestContext.Current.CancellationToken);
    }
}
