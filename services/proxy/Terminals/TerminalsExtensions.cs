namespace ProxyService.Terminals;

internal static class TerminalsExtensions
{
    public static IServiceCollection AddTerminals(this IServiceCollection services)
    {
        services.AddOptions<TerminalOptions>()
            .BindConfiguration(TerminalOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddSingleton<TerminalPool>();
        services.AddHostedService<TerminalDrain>();
        services.ConfigureSwaggerGen(options => options.SchemaFilter<TerminalPoolStateExample>());
        return services;
    }
}
