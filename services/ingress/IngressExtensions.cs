using Dapr.Workflow;
using IngressService.Correlation;
using IngressService.Forecasts;
using IngressService.OpenApi;
using IngressService.Security;
using IngressService.Workflows;
using IngressService.Workflows.Activities;

namespace IngressService;

internal static class IngressExtensions
{
    public static WebApplicationBuilder AddIngress(this WebApplicationBuilder builder)
    {
        var services = builder.Services;

        services.AddOptions<ForecastOptions>()
            .BindConfiguration(ForecastOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<WorkflowOptions>()
            .BindConfiguration(WorkflowOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddOptions<CorrelationOptions>()
            .BindConfiguration(CorrelationOptions.SectionName)
            .PostConfigure<IConfiguration>((options, configuration) => options.ReplicaId ??= ReplicaIdentity.Default(configuration))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IngressMetrics>();
        services.AddHostedService<IngressMetricsAtZero>();

        // Which mode runs is decided while registering services, so it is read once here.
        var mode = builder.Configuration.GetSection(CorrelationOptions.SectionName).Get<CorrelationOptions>()?.Mode
            ?? CorrelationMode.Workflow;
        if (mode == CorrelationMode.Direct)
        {
            // No workflow worker, client or state store: the request waits in this process.
            services.AddSingleton<IRequestCorrelation, DirectCorrelation>();
        }
        else
        {
            AddWorkflowCorrelation(services);
        }

        services.ConfigureSwaggerGen(options => options.OperationFilter<ExamplesOperationFilter>());

        builder.AddIngressProtection();
        return builder;
    }

    private static void AddWorkflowCorrelation(IServiceCollection services)
    {
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
    }
}
