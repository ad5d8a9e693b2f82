using Microsoft.Extensions.DependencyInjection.Extensions;
using ProxyService.Requests;
using ProxyService.Terminals;

namespace ProxyService;

internal static class ProxyExtensions
{
    // In-flight terminal work gets this long to finish when the host stops (see TerminalDrain).
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    public static WebApplicationBuilder AddProxy(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = ShutdownTimeout);
        builder.Services.AddProxy();
        return builder;
    }

    public static IServiceCollection AddProxy(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ProxyMetrics>();
        services.AddHostedService<ProxyMetricsAtZero>();
        services.AddTerminals();
        services.AddWeatherRequests();
        return services;
    }
}
