namespace TestSupport;

/// <summary>The ingress's Correlation:Mode (services/ingress/Correlation/CorrelationOptions.cs).</summary>
public enum CorrelationMode
{
    /// <summary>A Dapr workflow per request; replies on weather-responses.</summary>
    Workflow,

    /// <summary>Waits in the ingress's memory; replies on the replica's own weather-responses.&lt;replica&gt;.</summary>
    Direct,
}
