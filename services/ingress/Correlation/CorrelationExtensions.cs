using Microsoft.Extensions.DependencyInjection.Extensions;
using RedisStreamDemo.ServiceDefaults;

namespace RedisStreamDemo.Ingress.Correlation;

/// <summary>Registers the correlation settings; Workflows/ or Direct/ registers the mode itself.</summary>
internal static class CorrelationExtensions
{
    // Returns the configured mode: which one runs is decided while registering services.
    public static CorrelationMode AddCorrelation(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<CorrelationOptions>(CorrelationOptions.SectionName)
            .PostConfigure<IConfiguration>((options, configuration) =>
            {
                RenamedSettings.Apply(options, configuration);
                options.ReplicaId ??= ReplicaIdentity.Default(configuration);
            });
        builder.Services.TryAddSingleton(TimeProvider.System);

        return builder.Configuration.GetSection(CorrelationOptions.SectionName).Get<CorrelationOptions>()?.Mode
            ?? CorrelationMode.Workflow;
    }
}
