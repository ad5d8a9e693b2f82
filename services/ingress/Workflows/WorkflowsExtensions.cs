using Dapr.Workflow;
using RedisStreamDemo.Ingress.Correlation;
using RedisStreamDemo.Ingress.Workflows.Activities;
using RedisStreamDemo.ServiceDefaults;

namespace RedisStreamDemo.Ingress.Workflows;

/// <summary>Registers workflow correlation mode: the workflow and its activity, the client, the tracker and the purger.</summary>
internal static class WorkflowsExtensions
{
    public static IServiceCollection AddWorkflowCorrelation(this IServiceCollection services)
    {
        services.AddValidatedOptions<WorkflowOptions>(WorkflowOptions.SectionName);

        // The workflow client and worker find the sidecar through DAPR_GRPC_ENDPOINT / DAPR_GRPC_PORT
        // and DAPR_API_TOKEN (configuration or environment), like DaprClient. Registered here, and
        // only here: the csproj leaves out Dapr.Workflow's source generator, whose module initializer
        // would register both types a second time ("Workflow 'ForecastWorkflow' is already registered").
        services.AddDaprWorkflow(options =>
        {
            options.RegisterWorkflow<ForecastWorkflow>();
            options.RegisterActivity<PublishWeatherRequestActivity>();
        });
        // Handlers depend on the interface, which AddDaprWorkflow does not register, so tests can substitute it.
        services.AddSingleton<IDaprWorkflowClient>(sp => sp.GetRequiredService<DaprWorkflowClient>());

        services.AddSingleton<WorkflowInstanceTracker>();
        services.AddSingleton<IRequestCorrelation, WorkflowCorrelation>();
        services.AddHostedService<FinishedWorkflowPurger>();
        return services;
    }
}
