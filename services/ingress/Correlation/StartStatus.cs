namespace RedisStreamDemo.Ingress.Correlation;

/// <summary>How handing a request on went.</summary>
internal enum StartStatus
{
    Started,
    Overloaded,
    Unavailable,

    // The hand-on timed out: the request may have been taken (a workflow instance created) or not.
    // The client gets its status URL rather than an invitation to send it again as new work.
    Uncertain,
}
