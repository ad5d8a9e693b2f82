using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests.RealDapr;

/// <summary>
/// The same system with real daprd sidecars instead of the test sidecar: proves the test sidecar
/// did not hide a difference. Opt-in (RSD_E2E_REAL_DAPR=1) on a machine where `dapr init` has run:
/// daprd in ~/.dapr/bin (or DAPRD_PATH), placement on localhost:50005 and scheduler on
/// localhost:50006 (or RSD_DAPR_PLACEMENT / RSD_DAPR_SCHEDULER). Redis is still a private
/// redis-server; the resources are the repository's components with redisHost pointed at it.
/// </summary>
public sealed class RealDaprStack : StackFixture, IRealDaprSystem
{
    public const string OptInVariable = "RSD_E2E_REAL_DAPR";

    private static bool OptedIn => Environment.GetEnvironmentVariable(OptInVariable) == "1";

    private static string Daprd => Environment.GetEnvironmentVariable("DAPRD_PATH")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dapr", "bin", "daprd");

    // Opt-in suites skip even under CI=true: nothing required is missing, the run did not ask for them.
    protected override string? OptInSkipReason => OptedIn
        ? File.Exists(Daprd) ? null : $"{OptInVariable}=1 but daprd is not at {Daprd} (run `dapr init` or set DAPRD_PATH)."
        : $"Real-Dapr suite is opt-in and was not requested: set {OptInVariable}=1 on a machine with `dapr init` " +
          "(daprd, placement and scheduler); it skips under CI=true too, because it is opt-in, not missing.";

    protected override string? DaprdPath => Daprd;

    public void EnsureRunning() => _ = Stack;

    protected override IReadOnlyList<string> SidecarArguments =>
    [
        "--placement-host-address", Environment.GetEnvironmentVariable("RSD_DAPR_PLACEMENT") ?? "localhost:50005",
        "--scheduler-host-address", Environment.GetEnvironmentVariable("RSD_DAPR_SCHEDULER") ?? "localhost:50006",
        "--log-level", "warn",
    ];
}

public sealed class RealDaprTests(RealDaprStack system) : RealDaprScenarios<RealDaprStack>(system), IClassFixture<RealDaprStack>;
