namespace RedisStreamDemo.Ingress.Correlation;

/// <summary>The answer of <see cref="IRequestCorrelation.StartAsync"/>, with the sidecar's error where there was one.</summary>
internal readonly record struct StartResult(StartStatus Status, Exception? Error = null)
{
    public static readonly StartResult Started = new(StartStatus.Started);
    public static readonly StartResult Overloaded = new(StartStatus.Overloaded);

    public static StartResult Unavailable(Exception error) => new(StartStatus.Unavailable, error);

    public static StartResult Uncertain(Exception error) => new(StartStatus.Uncertain, error);
}
