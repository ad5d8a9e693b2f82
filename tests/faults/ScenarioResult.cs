namespace Faults;

public sealed record Check(string Name, bool Passed, string Detail);

/// <summary>
/// One scenario's outcome. Counting rules:
/// <list type="bullet">
/// <item>Sent: POSTs issued (including probes sent after the fault).</item>
/// <item>Accepted: answered 202 with a status URL, or 200 with a reply.</item>
/// <item>Refused: answered anything else, or not at all (e.g. 503 while Redis is down); not lost,
/// the client was told.</item>
/// <item>Completed: accepted and finally answered 200 with its own reply (its request id and city).</item>
/// <item>Lost: accepted but not completed within the scenario's deadline (still 202, 502, 504, 404,
/// or another request's reply).</item>
/// <item>ExpectedLost: the lost requests the scenario declared lost by design (direct mode's waits
/// in an ingress that dies); the others fail the scenario.</item>
/// <item>Duplicated: accepted requests a terminal processed more than once, i.e. more than one
/// distinct processedAt among its entries in weather-responses (see ReplyAudit).</item>
/// <item>Republished: extra reply entries carrying an already published reply (redeliveries answered
/// from the proxy's reply store): at-least-once at work, not a duplicate.</item>
/// <item>Recovery: from the end of the fault (process or Redis back, or fault injected when nothing
/// has to come back) until every request accepted so far had its reply; the scenario names it.</item>
/// </list>
/// </summary>
public sealed record ScenarioResult(
    string Name,
    string Title,
    int Sent,
    int Accepted,
    int Refused,
    int Completed,
    int Lost,
    int Duplicated,
    int Republished,
    TimeSpan? Recovery,
    TimeSpan RecoveryBound,
    TimeSpan Duration,
    IReadOnlyList<Check> Checks,
    IReadOnlyList<string> Notes,
    IReadOnlyList<string> LostRequests,
    string? Diagnostics,
    int ExpectedLost = 0)
{
    public bool RecoveredInTime => Recovery is { } r && r <= RecoveryBound;

    public bool Passed => Lost == ExpectedLost && Duplicated == 0 && RecoveredInTime && Checks.All(c => c.Passed);

    public IEnumerable<Check> FailedChecks => Checks.Where(c => !c.Passed);

    /// <summary>Everything a failing test needs to say.</summary>
    public string Explain() => string.Join(Environment.NewLine,
        new[]
        {
            $"{Name}: sent {Sent}, accepted {Accepted}, refused {Refused}, completed {Completed}, lost {Lost} ({ExpectedLost} expected), duplicated {Duplicated}, republished {Republished}, " +
            $"recovery {(Recovery is { } r ? $"{r.TotalSeconds:0.0} s" : "never")} (bound {RecoveryBound.TotalSeconds:0} s), took {Duration.TotalSeconds:0.0} s",
        }
        .Concat(Checks.Select(c => $"  [{(c.Passed ? "ok" : "FAILED")}] {c.Name}: {c.Detail}"))
        .Concat(Notes.Select(n => $"  note: {n}"))
        .Concat(LostRequests.Take(20).Select(l => $"  lost: {l}"))
        .Concat(Passed || Diagnostics is null ? [] : [Diagnostics]));
}
