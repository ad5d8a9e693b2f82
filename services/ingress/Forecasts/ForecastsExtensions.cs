using Microsoft.Extensions.DependencyInjection.Extensions;
using RedisStreamDemo.Ingress.OpenApi;
using RedisStreamDemo.ServiceDefaults;

namespace RedisStreamDemo.Ingress.Forecasts;

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
