using System.Collections.Concurrent;
using Dapr.Workflow;
using Microsoft.Extensions.DependencyInjection;
using static Sidecar.Tests.Infrastructure.WorkflowWorker;

namespace Sidecar.Tests;

/// <summary>
/// A worker that goes away with work items it was sent and never completed: as daprd's backend
/// (durabletask-go closes what is pending on a GetWorkItems stream when it ends), the sidecar
/// abandons them and the next worker that connects runs them.
/// </summary>
public sealed class WorkflowRecoveryTests(RedisFixture redis)
{
    /// <summary>Per test key: how many times the step started, and what holds the first run forever (until the test ends).</summary>
    private static readonly ConcurrentDictionary<string, int> Attempts = new();
    private static readonly ConcurrentDictionary<string, ManualResetEventSlim> Holds = new();

    private static bool FirstAttempt(string key) => Attempts.AddOrUpdate(key, 1, (_, n) => n + 1) == 1;

    internal sealed class HangsOnceActivity : WorkflowActivity<string, string>
    {
        public override async Task<string> RunAsync(WorkflowActivityContext context, string input)
        {
            if (FirstAttempt(input))
            {
                await Task.Run(() => Holds[input].Wait());
            }
            return input.ToUpperInvariant();
        }
    }

    internal sealed class ActivityHangsOnceWorkflow : Workflow<string, string>
    {
        public override Task<string> RunAsync(WorkflowContext context, string input) =>
            context.CallActivityAsync<string>(nameof(HangsOnceActivity), input);
    }

    internal sealed class OrchestratorHangsOnceWorkflow : Workflow<string, string>
    {
        public override async Task<string> RunAsync(WorkflowContext context, string input)
        {
            if (!context.IsReplaying && FirstAttempt(input))
            {
                // The worker never answers this orchestrator work item.
                Holds[input].Wait();
            }
            return await context.CallActivityAsync<string>(nameof(HangsOnceActivity), input + "-activity");
        }
    }

    private async Task RecoversAsync(string workflow, string key, string firstHeld, string expected)
    {
        redis.Require();
        var hold = Holds[firstHeld] = new ManualResetEventSlim();
        foreach (var other in new[] { key, key + "-activity" }.Where(k => k != firstHeld))
        {
            Attempts[other] = 1; // runs at once
        }
        try
        {
            await using var workflows = await WorkflowApp.StartAsync(redis, withWorker: false);
            var first = await StartWorkerAsync(workflows.Sidecar);
            var client = first.Services.GetRequiredService<DaprWorkflowClient>();
            // Not awaited: StartInstance returns after the first turn (durabletask-go executor.go),
            // which the held workflow step never finishes on this worker.
            var scheduling = client.ScheduleNewWorkflowAsync(workflow, key, key);
            await Sidecars.WaitUntilAsync(() => Task.FromResult(Attempts.GetValueOrDefault(firstHeld) == 1), WaitLimit, $"{firstHeld} dispatched to the first worker");

            await KillWorkerAsync(first);
            // The call returns once the second worker runs the first turn, or dies with the first worker's client; the instance exists either way.
            _ = scheduling.ContinueWith(static t => t.Exception, TaskScheduler.Default);
            await Sidecars.WaitForOwnLogAsync(workflows.Sidecar, "abandoned for the next worker", WaitLimit);

            var secondClient = await workflows.StartWorkerAsync();
            using var deadline = Deadline();
            var state = await secondClient.WaitForWorkflowCompletionAsync(key, getInputsAndOutputs: true, deadline.Token);

            Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
            Assert.Equal(expected, state.ReadOutputAs<string>());
            Assert.Equal(2, Attempts[firstHeld]);
        }
        finally
        {
            hold.Set();
        }
    }

    [Fact]
    public async Task An_activity_sent_to_a_worker_that_went_away_runs_on_the_next_worker()
    {
        var key = Guid.NewGuid().ToString("N");
        await RecoversAsync(nameof(ActivityHangsOnceWorkflow), key, firstHeld: key, expected: key.ToUpperInvariant());
    }

    [Fact]
    public async Task A_workflow_step_sent_to_a_worker_that_went_away_runs_on_the_next_worker()
    {
        var key = Guid.NewGuid().ToString("N");
        await RecoversAsync(nameof(OrchestratorHangsOnceWorkflow), key, firstHeld: key, expected: (key + "-activity").ToUpperInvariant());
    }
}
