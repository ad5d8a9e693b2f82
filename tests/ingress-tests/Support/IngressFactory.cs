using Dapr.Client;
using Dapr.Workflow;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using RedisStreamDemo.Ingress.Forecasts;
using RedisStreamDemo.Ingress.Workflows;

namespace Ingress.Tests.Support;

// The ingress in process with both Dapr clients substituted at the edge and no workflow worker
// (it would try to stream work items from a sidecar that is not there). Any type of the ingress
// assembly anchors the factory; ForecastOptions is one it configures.
internal sealed class IngressFactory : WebApplicationFactory<ForecastOptions>
{
    private readonly Dictionary<string, string?> settings = new(StringComparer.Ordinal)
    {
        // Nothing listens for Zipkin spans here; keep the exporter's failed posts out of the test output.
        ["Logging:LogLevel:System.Net.Http.HttpClient"] = "None",
    };

    public IDaprWorkflowClient Workflows { get; } = Substitute.For<IDaprWorkflowClient>();

    public DaprClient Dapr { get; } = Substitute.For<DaprClient>();

    public IngressFactory With(string key, string? value)
    {
        settings[key] = value;
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            foreach (var worker in services.Where(IsWorkflowBackgroundWork).ToList())
            {
                services.Remove(worker);
            }

            services.RemoveAll<IDaprWorkflowClient>();
            services.AddSingleton(Workflows);
            services.RemoveAll<DaprClient>();
            services.AddSingleton(Dapr);
        });
    }

    private static bool IsWorkflowBackgroundWork(ServiceDescriptor descriptor) =>
        descriptor.ServiceType == typeof(IHostedService)
        && (descriptor.ImplementationType == typeof(FinishedWorkflowPurger)
            || descriptor.ImplementationType?.Namespace?.StartsWith("Dapr.Workflow", StringComparison.Ordinal) == true);
}
