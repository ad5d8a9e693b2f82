using Dapr.Workflow;
using IngressService.Forecasts;
using IngressService.OpenApi;
using IngressService.Security;
using IngressService.Workflows;
using IngressService.Workflows.Activities;
using Microsoft.Extensions.Options;
using Swashbuckle.AspNetCore.SwaggerGen;

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

        // The workflow client and worker find the sidecar through DAPR_GRPC_ENDPOINT / DAPR_GRPC_PORT
        // and DAPR_API_TOKEN (configuration or environment), like DaprClient.
        services.AddDaprWorkflow(options =>
        {
            options.RegisterWorkflow<ForecastWorkflow>();
            options.RegisterActivity<PublishWeatherRequestActivity>();
        });
        // Handlers depend on the interface, which AddDaprWorkflow does not register, so tests can substitute it.
        services.AddSingleton<IDaprWorkflowClient>(sp => sp.GetRequiredService<DaprWorkflowClient>());

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IngressMetrics>();
        services.AddSingleton<WorkflowInstanceTracker>();
        services.AddHostedService<FinishedWorkflowPurger>();

        services.AddSingleton<IConfigureOptions<SwaggerGenOptions>, BearerSecurityConfigurer>();

        builder.AddIngressProtection();
        return builder;
    }
}
