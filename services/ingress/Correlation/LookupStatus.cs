namespace RedisStreamDemo.Ingress.Correlation;

/// <summary>What is known about a request asked for by id.</summary>
internal enum LookupStatus
{
    Unknown,
    Pending,
    Finished,
    Unavailable,
}
