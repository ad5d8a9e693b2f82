using Faults;
using Faults.Reporting;
using TestSupport;

namespace Fault.Tests;

/// <summary>
/// One test per fault scenario: nothing accepted is lost, nothing is processed twice, and the system
/// recovers within the scenario's bound (see ScenarioResult for the exact counting rules). The
/// scenario's own checks (e.g. "the proxy drains before exiting") must pass too.
/// </summary>
public sealed class FaultScenarioTests
{
    [Fact(Timeout = 300_000)]
    public Task A_proxy_killed_with_SIGKILL_under_load_loses_nothing_and_processes_nothing_twice() => RunAsync("proxy-sigkill", TestContext.Current.CancellationToken);

    [Fact(Timeout = 300_000)]
    public Task A_proxy_stopped_with_SIGTERM_finishes_its_work_in_flight_and_loses_nothing() => RunAsync("proxy-sigterm", TestContext.Current.CancellationToken);

    [Fact(Timeout = 420_000)]
    public Task A_rolling_update_of_the_proxy_app_and_sidecar_under_load_loses_nothing_and_processes_nothing_twice() => RunAsync("proxy-rollout", TestContext.Current.CancellationToken);

    [Fact(Timeout = 420_000)]
    public Task A_proxy_sidecar_killed_with_SIGKILL_under_load_is_restarted_and_the_proxy_loses_nothing() => RunAsync("proxy-sidecar-sigkill", TestContext.Current.CancellationToken);

    [Fact(Timeout = 300_000)]
    public Task A_Redis_restart_keeps_everything_acknowledged_and_the_apps_recover_without_restarting() => RunAsync("redis-restart", TestContext.Current.CancellationToken);

    [Fact(Timeout = 300_000)]
    public Task While_Redis_is_down_the_ingress_answers_503_quickly_and_recovers_by_itself() => RunAsync("redis-down", TestContext.Current.CancellationToken);

    [Fact(Timeout = 300_000)]
    public Task Poison_messages_are_dead_lettered_and_counted_without_blocking_the_requests_behind_them() => RunAsync("poison-message", TestContext.Current.CancellationToken);

    [Fact(Timeout = 300_000)]
    public Task A_slow_proxy_pushes_back_with_RETRY_and_processes_every_request_once() => RunAsync("slow-proxy", TestContext.Current.CancellationToken);

    [Fact(Timeout = 300_000)]
    public Task A_sustained_burst_beyond_max_in_flight_gets_quick_503s_and_keeps_queue_and_memory_bounded() => RunAsync("sustained-burst", TestContext.Current.CancellationToken);

    [Fact(Timeout = 300_000)]
    public Task An_ingress_killed_with_SIGKILL_under_load_resumes_its_workflows_and_answers_every_accepted_request() => RunAsync("ingress-sigkill", TestContext.Current.CancellationToken);

    [Fact(Timeout = 420_000)]
    public Task A_lost_ingress_pod_under_load_resumes_its_workflows_from_the_actor_state_store_and_answers_every_accepted_request() => RunAsync("ingress-pod-loss", TestContext.Current.CancellationToken);

    [Fact(Timeout = 420_000)]
    public Task In_direct_mode_a_lost_ingress_pod_loses_only_the_requests_it_was_waiting_for_and_answers_everything_after() => RunAsync("ingress-pod-loss-direct", TestContext.Current.CancellationToken);

    [Fact(Timeout = 360_000)]
    public Task A_Redis_blip_of_3_s_under_load_refuses_with_503_and_answers_every_accepted_request() => RunAsync("redis-blip", TestContext.Current.CancellationToken);

    [Fact(Timeout = 420_000)]
    public Task A_proxy_frozen_beyond_its_health_threshold_under_load_loses_nothing_and_processes_nothing_twice() => RunAsync("proxy-unhealthy", TestContext.Current.CancellationToken);

    // Direct mode loses requests only when the ingress itself dies; these faults must lose nothing there either.
    [Fact(Timeout = 300_000)]
    public Task In_direct_mode_while_Redis_is_down_the_ingress_answers_503_within_its_sidecar_timeout_and_recovers_by_itself() => RunAsync("redis-down-direct", TestContext.Current.CancellationToken);

    [Fact(Timeout = 300_000)]
    public Task In_direct_mode_a_proxy_killed_with_SIGKILL_under_load_loses_nothing_and_processes_nothing_twice() => RunAsync("proxy-sigkill-direct", TestContext.Current.CancellationToken);

    [Fact(Timeout = 300_000)]
    public Task In_direct_mode_a_proxy_stopped_with_SIGTERM_finishes_its_work_in_flight_and_loses_nothing() => RunAsync("proxy-sigterm-direct", TestContext.Current.CancellationToken);

    [Fact(Timeout = 420_000)]
    public Task In_direct_mode_a_rolling_update_of_the_proxy_app_and_sidecar_loses_nothing() => RunAsync("proxy-rollout-direct", TestContext.Current.CancellationToken);

    [Fact(Timeout = 420_000)]
    public Task In_direct_mode_a_proxy_sidecar_killed_with_SIGKILL_loses_nothing() => RunAsync("proxy-sidecar-sigkill-direct", TestContext.Current.CancellationToken);

    [Fact(Timeout = 300_000)]
    public Task In_direct_mode_a_Redis_restart_keeps_everything_acknowledged_and_the_apps_recover_without_restarting() => RunAsync("redis-restart-direct", TestContext.Current.CancellationToken);

    [Fact(Timeout = 300_000)]
    public Task In_direct_mode_poison_messages_are_dead_lettered_without_blocking_the_requests_behind_them() => RunAsync("poison-message-direct", TestContext.Current.CancellationToken);

    [Fact(Timeout = 300_000)]
    public Task In_direct_mode_a_slow_proxy_pushes_back_with_RETRY_and_processes_every_request_once() => RunAsync("slow-proxy-direct", TestContext.Current.CancellationToken);

    [Fact(Timeout = 300_000)]
    public Task In_direct_mode_a_sustained_burst_beyond_max_in_flight_gets_quick_503s_and_keeps_queue_and_memory_bounded() => RunAsync("sustained-burst-direct", TestContext.Current.CancellationToken);

    [Fact(Timeout = 420_000)]
    public Task In_direct_mode_a_proxy_frozen_beyond_its_health_threshold_loses_nothing_and_processes_nothing_twice() => RunAsync("proxy-unhealthy-direct", TestContext.Current.CancellationToken);

    private static async Task RunAsync(string name, CancellationToken cancellationToken)
    {
        SidecarUnderTest.Current.SkipIfUnavailable();
        Requirements.RedisServerInstalled();
        var output = TestContext.Current.TestOutputHelper;
        var result = await FaultScenarios.Named(name).RunAsync(line => output?.WriteLine(line), cancellationToken);
        output?.WriteLine(result.Explain());
        // The scenario's row of the fault table, kept beside the test assembly (fault-results/NAME.md).
        new FaultReport(Machine.Describe(), DateTimeOffset.UtcNow, result.Duration, [result])
            .WriteMarkdown(Path.Combine(AppContext.BaseDirectory, "fault-results", name + ".md"));

        Assert.True(result.Checks.Count > 0 && result.FailedChecks.All(c => c.Name != "the stack starts"), result.Explain());
        // Only the losses a scenario declares by design (direct mode's waits in a dead ingress) are allowed.
        Assert.True(result.Lost == result.ExpectedLost, $"{result.Lost - result.ExpectedLost} accepted request(s) lost unexpectedly.{Environment.NewLine}{result.Explain()}");
        Assert.True(result.Duplicated == 0, $"{result.Duplicated} request(s) processed more than once.{Environment.NewLine}{result.Explain()}");
        Assert.True(result.RecoveredInTime, $"no recovery within {result.RecoveryBound.TotalSeconds:0} s.{Environment.NewLine}{result.Explain()}");
        Assert.True(!result.FailedChecks.Any(), $"failed: {string.Join("; ", result.FailedChecks.Select(c => c.Name))}.{Environment.NewLine}{result.Explain()}");
    }
}
