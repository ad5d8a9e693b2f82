using Xunit;

namespace TestSupport;

/// <summary>
/// The one switch that selects the sidecar every suite runs against: RSD_SIDECAR=test (the
/// default: tests/sidecar) or RSD_SIDECAR=daprd (a real daprd, as `dapr init` installs it, with its
/// placement and scheduler). The sidecar contract tests, the end-to-end suite and the fault suite
/// all start their sidecars through it, so one variable runs them all against real Dapr.
/// </summary>
public sealed class SidecarUnderTest
{
    public const string Variable = "RSD_SIDECAR";
    public const string DaprdPathVariable = "DAPRD_PATH";
    public const string PlacementVariable = "RSD_DAPR_PLACEMENT";
    public const string SchedulerVariable = "RSD_DAPR_SCHEDULER";

    private SidecarUnderTest(bool isDaprd, string daprdPath, string placement, string scheduler)
    {
        IsDaprd = isDaprd;
        DaprdPath = daprdPath;
        Placement = placement;
        Scheduler = scheduler;
    }

    /// <summary>The sidecar this process's environment selects.</summary>
    public static SidecarUnderTest Current { get; } = From(Environment.GetEnvironmentVariable);

    public bool IsDaprd { get; }

    /// <summary>daprd's executable: DAPRD_PATH, else ~/.dapr/bin/daprd where `dapr init` puts it.</summary>
    public string DaprdPath { get; }

    public string Placement { get; }

    public string Scheduler { get; }

    public string Name => IsDaprd ? $"daprd ({DaprdPath})" : "the test sidecar";

    /// <summary>Why the selected sidecar cannot run here; null when it can.</summary>
    public string? UnavailableReason => IsDaprd && !File.Exists(DaprdPath)
        ? $"{Variable}=daprd but there is no daprd at {DaprdPath} (run `dapr init --runtime-version <pinned>` or set {DaprdPathVariable})."
        : null;

    /// <summary>
    /// Flags daprd needs on top of the ones a suite gives every sidecar: where placement and the
    /// scheduler are (workflows run on actors and reminders). The test sidecar needs none.
    /// </summary>
    public IReadOnlyList<string> ExtraArguments => IsDaprd
        ? ["--placement-host-address", Placement, "--scheduler-host-address", Scheduler]
        : [];

    public static SidecarUnderTest From(Func<string, string?> environment)
    {
        var kind = environment(Variable);
        var isDaprd = kind switch
        {
            null or "" or "test" => false,
            "daprd" => true,
            _ => throw new ArgumentException($"{Variable}={kind}: expected 'test' (the default) or 'daprd'."),
        };
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return new SidecarUnderTest(
            isDaprd,
            environment(DaprdPathVariable) ?? Path.Combine(home, ".dapr", "bin", "daprd"),
            environment(PlacementVariable) ?? "localhost:50005",
            environment(SchedulerVariable) ?? "localhost:50006");
    }

    /// <summary>
    /// Skips a test that selected daprd on a machine without it. It skips under CI=true too: the
    /// switch is an explicit request, and the job that sets it installs daprd first.
    /// </summary>
    public void SkipIfUnavailable()
    {
        if (UnavailableReason is { } reason)
        {
            Assert.Skip(reason);
        }
    }

    /// <summary>
    /// For the few tests that cannot apply to daprd (they read the test sidecar's own log lines or
    /// options): skipped against daprd with <paramref name="why"/>.
    /// </summary>
    public void SkipIfDaprd(string why)
    {
        if (IsDaprd)
        {
            Assert.Skip($"Not run against daprd: {why}");
        }
    }
}
