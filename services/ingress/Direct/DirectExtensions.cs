using RedisStreamDemo.Ingress.Correlation;

namespace RedisStreamDemo.Ingress.Direct;

/// <summary>Registers direct correlation mode: no workflow worker, client or state store; the request waits in this process.</summary>
internal static class DirectExtensions
{
    public static IServiceCollection AddDirectCorrelation(this IServiceCollection services) =>
        services.AddSingleton<IRequestCorrelation, DirectCorrelation>();
}
