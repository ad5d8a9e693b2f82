using IngressService.OpenApi;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace IngressService.Forecasts;

/// <summary>Registers the forecast API's settings and its Swagger examples.</summary>
internal static class ForecastsExtensions
{
    public static IServiceCollection AddForecasts(this IServiceCollection services)
    {
        services.AddOptions<ForecastOptions>()
            .BindConfiguration(ForecastOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.ConfigureSwaggerGen(options => options.OperationFilter<ExamplesOperationFilter>());
        return services;
    }
}
