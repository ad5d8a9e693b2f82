namespace ProxyService.Requests;

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
