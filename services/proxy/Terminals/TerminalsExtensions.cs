using RedisStreamDemo.ServiceDefaults;

namespace RedisStreamDemo.Proxy.Terminals;

/// <summary>Registers the terminal pool, its graceful drain and its Swagger example.</summary>
internal static class TerminalsExtensions
{
    // In-flight terminal work gets this long to finish when the host stops (see TerminalDrain).
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    public static IServiceCollection AddTerminals(this IServiceCollection services)
    {
        services.Configure<HostOptions>(options => options.ShutdownTimeout = ShutdownTimeout);
        services.AddValidatedOptions<TerminalOptions>(TerminalOptions.SectionName);

        services.AddSingleton<TerminalPool>();
        services.AddHostedService<TerminalDrain>();
        services.ConfigureSwaggerGen(options => options.SchemaFilter<TerminalPoolStateExample>());
        return services;
    }
}
