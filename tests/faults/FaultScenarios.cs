using Faults.Scenarios;

namespace Faults;

/// <summary>The fault suite, in the order the command runs it.</summary>
public static class FaultScenarios
{
    public static IReadOnlyList<FaultScenario> All { get; } =
    [
        new ProxyKilledScenario(),
        new ProxyTerminatedScenario(),
        new ProxyRolloutScenario(),
        new ProxySidecarKilledScenario(),
        new IngressKilledScenario(),
        new IngressPodLostScenario(),
        new RedisRestartScenario(),
        new RedisBlipScenario(),
        new RedisDownScenario(),
        new PoisonMessageScenario(),
        new SlowProxyScenario(),
        new SustainedBurstScenario(),
        new ProxyUnhealthyScenario(),
        // Direct mode: only an ingress crash may lose requests there (README, Correlation modes);
        // every other fault must lose nothing, as in workflow mode.
        new ProxyKilledScenario(CorrelationMode.Direct),
        new ProxyTerminatedScenario(CorrelationMode.Direct),
        new ProxyRolloutScenario(CorrelationMode.Direct),
        new ProxySidecarKilledScenario(CorrelationMode.Direct),
        new RedisRestartScenario(CorrelationMode.Direct),
        new RedisDownScenario(CorrelationMode.Direct),
        new PoisonMessageScenario(CorrelationMode.Direct),
        new SlowProxyScenario(CorrelationMode.Direct),
        new SustainedBurstScenario(CorrelationMode.Direct),
        new ProxyUnhealthyScenario(CorrelationMode.Direct),
        // The one fault where direct mode loses requests by design: it counts them as expected.
        new IngressPodLostScenario(CorrelationMode.Direct),
    ];

    public static FaultScenario Named(string name) =>
        All.FirstOrDefault(s => s.Name == name)
        ?? throw new ArgumentException($"No scenario '{name}' (scenarios: {string.Join(", ", All.Select(s => s.Name))}).", nameof(name));
}
