using Dapr.Workflow;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RedisStreamDemo.Ingress.Correlation;
using RedisStreamDemo.Ingress.Telemetry;
using RedisStreamDemo.Ingress.Workflows;

namespace Ingress.Tests.Support;

// The ingress's collaborators wired by hand for unit tests.
internal sealed class TestServices : IDisposable
{
    private readonly ServiceProvider metricsProvider = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public TestServices(CorrelationOptions? correlation = null, WorkflowOptions? workflows = null)
    {
        CorrelationOptions = correlation ?? new CorrelationOptions();
        WorkflowOptions = workflows ?? new WorkflowOptions();
        Metrics = new IngressMetrics(metricsProvider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        Tracker = new WorkflowInstanceTracker(Clock, Options.Create(CorrelationOptions), Metrics);
    }

    public TestClock Clock { get; } = new(new DateTimeOffset(2026, 1, 14, 9, 0, 0, TimeSpan.Zero));

    public IDaprWorkflowClient Workflows { get; } = NSubstitute.Substitute.For<IDaprWorkflowClient>();

    public CorrelationOptions CorrelationOptions { get; }

    public WorkflowOptions WorkflowOptions { get; }

    public IngressMetrics Metrics { get; }

    public WorkflowInstanceTracker Tracker { get; }

    public WorkflowCorrelation Correlation(CorrelationOptions? options = null) => new(
        Workflows, Tracker, Metrics, Clock, Options.Create(options ?? CorrelationOptions), NullLogger<WorkflowCorrelation>.Instance);

    public FinishedWorkflowPurger Purger => new(
        Workflows, Tracker, Metrics, Clock, Options.Create(CorrelationOptions), Options.Create(WorkflowOptions),
        NullLogger<FinishedWorkflowPurger>.Instance);

    public void Dispose() => metricsProvider.Dispose();
}
