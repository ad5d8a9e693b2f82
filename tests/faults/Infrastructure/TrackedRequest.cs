using System.Net;

namespace Faults.Infrastructure;

/// <summary>One POST of a city (PublicRoutes.City) and what became of it. Times are since the scenario began.</summary>
public sealed class TrackedRequest(int index, string city)
{
    public int Index { get; } = index;

    public string City { get; } = city;

    public TimeSpan SentAt { get; internal set; }

    /// <summary>The POST's status; 0 when it failed without an answer (connection refused, client timeout).</summary>
    public HttpStatusCode PostStatus { get; internal set; }

    public TimeSpan PostLatency { get; internal set; }

    /// <summary>The POST's Retry-After header as sent (e.g. "1" on a 503), null without one.</summary>
    public string? RetryAfter { get; internal set; }

    /// <summary>The media type of the POST's answer (application/problem+json on a refusal), null without a body.</summary>
    public string? PostContentType { get; internal set; }

    public string? RequestId { get; internal set; }

    public Uri? StatusUrl { get; internal set; }

    /// <summary>The last final answer (200, 404, 502, 504) at the status URL, or the 200 of the POST itself.</summary>
    public HttpStatusCode? FinalStatus { get; internal set; }

    public string? ReplyRequestId { get; internal set; }

    public string? ReplyCity { get; internal set; }

    public TimeSpan? FinishedAt { get; internal set; }

    public string? Detail { get; internal set; }

    /// <summary>The ingress took the request: 202 with a status URL, or 200 with the reply.</summary>
    public bool Accepted => RequestId is not null;

    /// <summary>Answered with its own reply: the reply names this request's id and city.</summary>
    public bool Completed =>
        FinalStatus == HttpStatusCode.OK && ReplyRequestId == RequestId && ReplyCity == City;

    public bool Finished => FinalStatus is not null;

    public override string ToString() =>
        $"#{Index} {City} id={RequestId ?? "-"} post={(int)PostStatus} final={(FinalStatus is { } s ? ((int)s).ToString(System.Globalization.CultureInfo.InvariantCulture) : "-")} {Detail}";
}
