namespace TestSupport;

/// <summary>
/// The public HTTP routes as a user calls them, written out once for every suite. Tests spell them
/// here rather than reading the product's constants, so a renamed route fails them.
/// </summary>
public static class PublicRoutes
{
    /// <summary>POST a city: 200 with the reply, or 202 with a status URL.</summary>
    public const string City = "/WeatherForecast/city";

    /// <summary>The route template of the status URL, as OpenAPI lists it.</summary>
    public const string RequestTemplate = "/WeatherForecast/requests/{requestId}";

    public const string Health = "/healthz";

    public const string Metrics = "/metrics";

    /// <summary>The proxy's terminal pool.</summary>
    public const string Terminals = "/terminals";

    /// <summary>The status URL of a request: GET it for the reply.</summary>
    public static string Request(string requestId) => "/WeatherForecast/requests/" + requestId;
}
