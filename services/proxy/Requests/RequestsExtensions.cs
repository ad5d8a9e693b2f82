using RedisStreamDemo.ServiceDefaults;

namespace RedisStreamDemo.Proxy.Requests;

/// <summary>Registers the weather-request subscription's handler and reply store.</summary>
internal static class RequestsExtensions
{
    public static IServiceCollection AddWeatherRequests(this IServiceCollection services)
    {
        services.AddValidatedOptions<ReplyOptions>(ReplyOptions.SectionName);

        services.AddSingleton<ReplyStore>();
        services.AddSingleton<WeatherRequestHandler>();
        return services;
    }
}
