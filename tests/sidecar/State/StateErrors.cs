namespace TestSidecar.State;

/// <summary>components-contrib's state.ETagError kinds: a mismatch (gRPC Aborted, HTTP 409) or an invalid etag (InvalidArgument, 400).</summary>
internal enum ETagErrorKind
{
    Mismatch,
    Invalid,
}

/// <summary>
/// An error from a state store operation, with the text the Go component would return. ETagKind is
/// set when daprd would find a state.ETagError in it (errors.As), which picks the status code.
/// </summary>
internal sealed class StateStoreException(string message, ETagErrorKind? etagKind = null, bool permanent = false) : Exception(message)
{
    public ETagErrorKind? ETagKind { get; } = etagKind;

    /// <summary>A circuit breaker's refusal: policy.go makes it a backoff.Permanent, so it is not retried.</summary>
    public bool Permanent { get; } = permanent;

    public static StateStoreException ETag(ETagErrorKind kind, string inner) =>
        new((kind == ETagErrorKind.Mismatch ? "possible etag mismatch. error from state store" : "invalid etag value") + ": " + inner, kind);
}

/// <summary>A key (or keyPrefix) containing daprd's separator "||" (pkg/components/state checkKeyIllegal).</summary>
internal sealed class IllegalStateKeyException(string key) : Exception($"input key/keyPrefix '{key}' can't contain '{StateKeys.Separator}'")
{
    public string Key { get; } = key;
}
