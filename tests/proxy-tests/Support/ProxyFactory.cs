using System.Diagnostics.Metrics;
using Dapr.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using RedisStreamDemo.Proxy.Terminals;
using RedisStreamDemo.ServiceDefaults;

namespace Proxy.Tests.Support;

// The whole proxy in process; only the Dapr client at its edge is substituted. Any type of the
// proxy assembly anchors the factory; TerminalOptions is one it configures.
internal sealed class ProxyFactory(string? appToken = null, TimeSpan? processingTime = null, string? environment = null) : WebApplicationFactory<TerminalOptions>
{
    public DaprClient Dapr { get; } = Substitute.For<DaprClient>();

    public LogRecorder Logs { get; } = new();

    internal MetricRecorder CreateMetricRecorder() => new(Services.GetRequiredService<IMeterFactory>());

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        if (environment is not null)
        {
            builder.UseEnvironment(environment);
        }
        builder.UseSetting("Terminals:ProcessingTime", (processingTime ?? TimeSpan.Zero).ToString("c"));
        builder.UseSetting(DaprAppToken.EnvironmentVariable, appToken ?? string.Empty);
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<DaprClient>();
            services.AddSingleton(Dapr);
            services.AddSingleton<ILoggerProvider>(Logs);
        });
    }
}
