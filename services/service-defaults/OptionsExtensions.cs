using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace RedisStreamDemo.ServiceDefaults;

/// <summary>How every service binds its settings: from one section, checked by data annotations at startup.</summary>
public static class OptionsExtensions
{
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, string sectionName)
        where TOptions : class =>
        services.AddOptions<TOptions>()
            .BindConfiguration(sectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
}
