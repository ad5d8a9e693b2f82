namespace ProxyService.Requests;

/// <summary>Registers the weather-request subscription's handler and reply store.</summary>
internal static class RequestsExtensions
{
    public static IServiceCollection AddWeatherRequests(this IServiceCollection services)
    {
        services.AddOptions<ReplyOptions>()
            .BindConfiguration(ReplyOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddSingleton<ReplyStore>();
        services.AddSingleton<WeatherRequestHandler>();
        return services;
    }
}
