namespace LoadTest.Running;

/// <summary>
/// How one request ended. <see cref="Status"/> labels the outcome table ("200", "202→200",
/// "timeout"); an outcome with an <see cref="ErrorType"/> counts as an error.
/// </summary>
internal readonly record struct RequestOutcome(string Status, string? ErrorType = null, string? ErrorMessage = null)
{
    public bool IsError => ErrorType is not null;

    public static RequestOutcome Ok(string status) => new(status);

    public static RequestOutcome Failed(string status, string errorType, string message) => new(status, errorType, message);

    public static RequestOutcome FromException(Exception exception) =>
        new("exception", exception.GetType().Name, exception.Message);
}
