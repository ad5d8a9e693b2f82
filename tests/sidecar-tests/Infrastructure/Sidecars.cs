using System.Globalization;
using Dapr.Client;

namespace Sidecar.Tests.Infrastructure;

public static class Sidecars
{
    public static Task<SidecarProcess> StartAsync(
        string appId,
        string resourcesPath,
        int? appPort = null,
        IEnumerable<string>? extraArguments = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        // Debug: contract tests read the sidecar's own per-delivery lines, which daprd (and the sidecar) log at debug level.
        var args = new List<string> { "--app-id", appId, "--resources-path", resourcesPath, "--app-protocol", "http", "--log-level", "debug" };
        if (appPort is { } port)
        {
            args.AddRange(["--app-port", port.ToString(CultureInfo.InvariantCulture)]);
        }
        args.AddRange(extraArguments ?? []);
        return SidecarProcess.StartAsync(args, environment, cancellationToken: TestContext.Current.CancellationToken);
    }

    /// <summary>The ingress's sidecar on the shared server's real components, with no workflow state left by earlier tests.</summary>
    public static async Task<SidecarProcess> StartForWorkflowsAsync(RedisFixture redis)
    {
        await redis.ForgetWorkflowsAsync();
        return await StartAsync("ingress", Resources.Real(redis.Endpoint));
    }

    /// <summary>
    /// Waits for a line of the test sidecar's own log (its wording, not daprd's). Against daprd
    /// (RSD_SIDECAR=daprd) it returns at once: the test still checks the behaviour around the line.
    /// </summary>
    public static Task WaitForOwnLogAsync(SidecarProcess sidecar, string text, TimeSpan timeout) =>
        SidecarUnderTest.Current.IsDaprd
            ? Task.CompletedTask
            : sidecar.WaitForOutputAsync(text, timeout, TestContext.Current.CancellationToken);

    /// <summary>Whether the test sidecar's own log has a line like this; always true against daprd (see <see cref="WaitForOwnLogAsync"/>).</summary>
    public static bool OwnLogHas(SidecarProcess sidecar, Func<string, bool> line) =>
        SidecarUnderTest.Current.IsDaprd || sidecar.Output.Any(line);

    /// <summary>A DaprClient on the sidecar's gRPC API, built as the apps build theirs.</summary>
    public static DaprClient Client(SidecarProcess sidecar) =>
        new DaprClientBuilder().UseGrpcEndpoint(sidecar.GrpcEndpoint.ToString()).Build();

    public static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    public static object Subscription(string topic, string route, string? deadLetterTopic = null, string pubsub = "pubsub") =>
        deadLetterTopic is null
            ? new { pubsubname = pubsub, topic, route }
            : new { pubsubname = pubsub, topic, route, deadLetterTopic };

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
        throw new TimeoutException($"timed out after {timeout} waiting for {what}");
    }
}
