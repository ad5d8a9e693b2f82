namespace RedisStreamDemo.Ingress.Correlation;

/// <summary>The answer of <see cref="IRequestCorrelation.GetAsync"/>.</summary>
internal readonly record struct RequestLookup(LookupStatus Status, FinishedRequest? Finished = null, Exception? Error = null)
{
    public static readonly RequestLookup Unknown = new(LookupStatus.Unknown);
    public static readonly RequestLookup Pending = new(LookupStatus.Pending);
}
