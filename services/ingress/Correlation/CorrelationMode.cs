namespace RedisStreamDemo.Ingress.Correlation;

/// <summary>
/// How a reply finds the request that waits for it.
///   Workflow (default, Workflows/): a Dapr workflow per request holds the wait in durable state. It
///     survives an ingress restart and any replica can answer GET status or take the reply, at the
///     price of the workflow engine's round trips (schedule, activity, external event, completion)
///     per request.
///   Direct (Direct/): the ingress publishes the request itself and waits in memory; the proxy
///     answers on this replica's own reply topic. Fewer hops and no state store, but a request in
///     flight is lost when its replica dies (the client's POST or later GET then fails or answers
///     404), and GET status works only on the replica that took the POST.
/// </summary>
internal enum CorrelationMode
{
    Workflow,
    Direct,
}
