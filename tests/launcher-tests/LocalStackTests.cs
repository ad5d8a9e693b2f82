using System.Diagnostics;
using System.Net;
using RedisStreamDemo.Contracts;
using RedisStreamDemo.Stack;
using TestSupport;

namespace Launcher.Tests;

public sealed class LocalStackTests
{
    [Fact(Timeout = 180_000)]
    public async Task The_stack_restarts_a_crashed_app_and_leaves_no_process_behind_when_disposed()
    {
        SidecarUnderTest.Current.SkipIfUnavailable();
        Requirements.RedisServerInstalled();
        var cancellationToken = TestContext.Current.CancellationToken;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var stack = await LocalStack.StartAsync(new StackOptions { ReadyTimeout = TimeSpan.FromSeconds(90) }, cancellationToken);
        var pids = new List<int>();
        try
        {
            Assert.True(stack.OwnsRedis);
            Assert.Equal(2, stack.Instances.Count);
            foreach (var instance in stack.Instances)
            {
                using var health = await http.GetAsync(new Uri(instance.Url, PublicRoutes.Health), cancellationToken);
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
                pids.Add(Assert.NotNull(instance.ProcessId));
                pids.Add(Assert.NotNull(instance.SidecarProcessId));
            }
            var proxy = stack[DaprNames.AppIds.Proxy];
            var crashed = Assert.NotNull(proxy.ProcessId);

            // A crash the launcher did not ask for: it restarts the app, as Kubernetes would.
            using (var process = Process.GetProcessById(crashed))
            {
                process.Kill();
            }
            await Eventually.Until(
                () => Task.FromResult(proxy.App.Restarts),
                restarts => restarts >= 1,
                TimeSpan.FromSeconds(30),
                "the launcher restarting the proxy",
                () => stack.Diagnostics());
            await stack.WaitUntilHealthyAsync(proxy, cancellationToken);
            pids.Add(Assert.NotNull(proxy.ProcessId));
            Assert.NotEqual(crashed, proxy.ProcessId);
            Assert.Contains(stack.LauncherLog(), line => line.Contains("proxy exited unexpectedly", StringComparison.Ordinal));
            var city = CityNames.Unique("Restarted");
            var reply = await new IngressClient(http, stack[DaprNames.AppIds.Ingress].Url).ForecastAsync(city, TimeSpan.FromSeconds(60));
            Assert.True(reply.City == city, stack.Diagnostics());
        }
        finally
        {
            await stack.DisposeAsync();
        }

        Assert.All(pids, pid => Assert.False(Processes.IsAlive(pid), $"process {pid} outlived the stack"));
        Assert.DoesNotContain(stack.ResourcesDirectories, Directory.Exists);
        Assert.All(stack.Instances, i => Assert.Null(i.ProcessId));
    }

    [Fact]
    public async Task A_missing_build_is_reported_with_the_command_that_builds_it()
    {
        Requirements.RedisServerInstalled();

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => LocalStack.StartAsync(
            new StackOptions { Configuration = "NoSuchConfiguration" }, TestContext.Current.CancellationToken));

        Assert.Contains("dotnet build tests/stack -c NoSuchConfiguration", error.Message, StringComparison.Ordinal);
    }
}
