namespace Sidecar.Tests;

/// <summary>
/// RSD_SIDECAR, the switch that runs these tests, the end-to-end suite and the fault suite against
/// real daprd instead of the test sidecar. Here, where daprd cannot run, the daprd path must still
/// start the executable it names with daprd's flags, and skip cleanly when there is none.
/// </summary>
public sealed class SidecarSwitchTests
{
    [Fact]
    public void The_test_sidecar_is_the_default_and_daprd_is_chosen_by_name()
    {
        var byDefault = SidecarUnderTest.From(_ => null);
        var daprd = SidecarUnderTest.From(name => name == SidecarUnderTest.Variable ? "daprd" : null);

        Assert.False(byDefault.IsDaprd);
        Assert.Empty(byDefault.ExtraArguments);
        Assert.True(daprd.IsDaprd);
        Assert.EndsWith(Path.Combine(".dapr", "bin", "daprd"), daprd.DaprdPath, StringComparison.Ordinal);
        Assert.Equal(["--placement-host-address", "localhost:50005", "--scheduler-host-address", "localhost:50006"], daprd.ExtraArguments);
        Assert.Throws<ArgumentException>(() => SidecarUnderTest.From(name => name == SidecarUnderTest.Variable ? "dapr" : null));
    }

    [Fact]
    public void Selecting_daprd_where_it_is_not_installed_gives_the_reason_every_suite_skips_with()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-daprd-{Guid.NewGuid():N}");

        Assert.Contains($"no daprd at {missing}", Select(missing).UnavailableReason, StringComparison.Ordinal);
        Assert.Null(Select(typeof(SidecarSwitchTests).Assembly.Location).UnavailableReason);
        Assert.Null(SidecarUnderTest.From(_ => null).UnavailableReason);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Selecting_daprd_starts_that_executable_with_daprds_flags_placement_scheduler_and_its_own_metrics_port()
    {
        var fake = Path.Combine(Path.GetTempPath(), $"fake-daprd-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(fake, "#!/bin/sh\necho \"fake daprd: $*\"\nexit 3\n", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => SidecarProcess.StartAsync(
                ["--app-id", "proxy", "--dapr-http-port", "3999"], sidecar: Select(fake, placement: "place:1"), cancellationToken: TestContext.Current.CancellationToken));

            Assert.Contains("exited with code 3", failure.Message, StringComparison.Ordinal);
            var line = failure.Message.Split('\n').Single(l => l.StartsWith("fake daprd: ", StringComparison.Ordinal));
            Assert.StartsWith("fake daprd: --app-id proxy --dapr-http-port 3999 --dapr-grpc-port ", line, StringComparison.Ordinal);
            Assert.Contains(" --metrics-port ", line, StringComparison.Ordinal);
            Assert.EndsWith(" --placement-host-address place:1 --scheduler-host-address localhost:50006", line, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(fake);
        }
    }

    private static SidecarUnderTest Select(string daprdPath, string? placement = null) =>
        SidecarUnderTest.From(name => name switch
        {
            SidecarUnderTest.Variable => "daprd",
            SidecarUnderTest.DaprdPathVariable => daprdPath,
            SidecarUnderTest.PlacementVariable => placement,
            _ => null,
        });
}
