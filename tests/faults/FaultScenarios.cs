using Faults.Scenarios;

namespace Faults;

/// <summary>The fault suite, in the order the command runs it.</summary>
public static class FaultScenarios
{
    public static IReadOnlyList<FaultScenario> All { get; } =
    [
        new ProxyKilledScenario(),
        new ProxyTerminatedScenario(),
        new RedisRestartScenario(),
        new RedisDownScenario(),
        new PoisonMessageScenario(),
        new SlowProxyScenario(),
        new SustainedBurstScenario(),
    ];

    public static FaultScenario Named(string name) =>
        All.FirstOrDefault(s => s.Name == name)
        ?? throw new ArgumentException($"No scenario '{name}' (scenarios: {string.Join(", ", All.Select(s => s.Name))}).", nameof(name));
}
