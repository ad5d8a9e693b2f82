using IngressService.OpenApi;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RedisStreamDemo.ServiceDefaults;

namespace IngressService.Forecasts;

/// <summary>Registers the forecast API's settings and its Swagger examples.</summary>
internal static class ForecastsExtensions
{
    public static IServiceCollection AddForecasts(this IServiceCollection services)
    {
        services.AddValidatedOptions<ForecastOptions>(ForecastOptions.SectionName);
        services.TryAddSingleton(TimeProvider.System);
        services.ConfigureSwaggerGen(options => options.OperationFilter<ExamplesOperationFilter>());
        return services;
    }
}
