using System.Globalization;
using System.Net;
using StackExchange.Redis;

namespace Faults.Scenarios;

/// <summary>
/// A sustained burst at four times what the system can do: 80 requests/s for 36 s against 4
/// terminals of 200 ms (20/s), with the ingress bounded to 40 requests in flight. Beyond the bound a
/// client must hear 503 with Retry-After at once, the work queued for the proxy must stay bounded, and
/// so must the resident memory of both apps - sampled every 500 ms for the whole burst, since a peak
/// measured once cannot tell a plateau from a leak. Everything accepted must still be answered.
/// The client side stays cheap (Prefer: respond-async, nothing polled during the burst), so the load
/// generator is not what limits the rate on a 2-core machine.
/// </summary>
public sealed class SustainedBurstScenario(CorrelationMode mode = CorrelationMode.Workflow) : FaultScenario(
    mode, "sustained-burst",
    "Sustained burst at 4x capacity (80/s for 36 s, MaxInFlight 40): quick 503s, bounded queue and memory",
    // The backlog at the end of the burst is at most MaxInFlight requests (2 s of terminal work), then
    // one round of status polls; the same generous bound as the other scenarios.
    recoveryBound: TimeSpan.FromSeconds(60),
    stackOptions: new()
    {
        TerminalCount = TerminalCount,
        ProcessingTime = ProcessingTime,
        AppEnvironment =
        {
            [DaprNames.AppIds.Ingress] = new()
            {
                ["Correlation__MaxInFlight"] = MaxInFlight.ToString(CultureInfo.InvariantCulture),
                // One client IP: the per-IP rate limit must not answer 429 before the bound under test answers 503.
                ["RateLimiting__Enabled"] = "false",
            },
        },
    })
{
    private const int MaxInFlight = 40;
    private const int TerminalCount = 4;
    private const double PerSecond = 80;
    private const int BurstRequests = 2880;
    private static readonly TimeSpan ProcessingTime = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(500);

    // Memory is bounded when the last third of the burst peaks no higher than the first third plus a
    // margin no GC heuristic comes near, and never above an absolute ceiling (the benchmark's apps stay
    // under 190 MB). It catches an app whose memory keeps climbing (a leak, a buffer per request):
    // an ingress that hardly collects (DOTNET_GCgen0size) went 171/222/264 MB and failed. It does not
    // catch a missing in-flight bound on its own: the queue then lives in Redis and the workflow state,
    // and the ingress plateaued near 235 MB with 13,500 requests unanswered. The in-flight, backlog and
    // refusal checks catch that.
    private const double GrowthAllowed = 0.25;
    private const long GrowthSlack = 32L * 1024 * 1024;
    private const long Ceiling = 512L * 1024 * 1024;

    protected override async Task ExecuteAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampler = SampleAsync(run, sampling.Token);
        var burstStart = run.Clock.Elapsed;
        var burst = await run.Requests.SendAtRateAsync(BurstRequests, PerSecond, "Burstville", cancellationToken);
        var burstEnd = run.Clock.Elapsed;
        await sampling.CancelAsync();
        var samples = await sampler;
        var length = burstEnd - burstStart;

        var statuses = string.Join(", ", burst.GroupBy(r => (int)r.PostStatus).OrderBy(g => g.Key).Select(g => $"{g.Key}x{g.Count()}"));
        run.Check("every POST of the burst is answered, 202 or 503 (0 = no answer within the 30 s client timeout)",
            burst.All(r => r.PostStatus is HttpStatusCode.Accepted or HttpStatusCode.ServiceUnavailable), statuses);

        var refused = burst.Where(r => r.PostStatus == HttpStatusCode.ServiceUnavailable).ToList();
        var malformed = refused.Where(r => r.RetryAfter is null || r.PostContentType != "application/problem+json"
            || r.Detail?.Contains("Too many requests in flight", StringComparison.Ordinal) != true).ToList();
        run.Check("overload is refused with 503 'Too many requests in flight', Retry-After and problem+json",
            refused.Count > 0 && malformed.Count == 0,
            refused.Count == 0 ? "nothing refused: the burst did not reach the bound"
            : malformed.Count == 0 ? $"{refused.Count} refused, Retry-After {string.Join(", ", refused.Select(r => r.RetryAfter).Distinct())}"
            : $"{malformed.Count} of {refused.Count} otherwise, e.g. {malformed[0]} (Retry-After {malformed[0].RetryAfter ?? "none"}, {malformed[0].PostContentType ?? "no body"})");

        var slowestRefusal = refused.Select(r => r.PostLatency).DefaultIfEmpty().Max();
        run.Check($"refusals are answered within {RedisDownScenario.QuickAnswer.TotalSeconds:0} s", slowestRefusal <= RedisDownScenario.QuickAnswer,
            $"slowest {slowestRefusal.TotalMilliseconds:0} ms, median {Median(refused.Select(r => r.PostLatency)).TotalMilliseconds:0} ms");

        // A slot that is never given back would refuse everything once MaxInFlight requests are accepted.
        var lastThird = burst.Where(r => r.Accepted && r.SentAt >= burstEnd - length / 3).ToList();
        run.Check("the ingress keeps accepting as replies free slots (accepted in the last third of the burst)", lastThird.Count > 0,
            $"{lastThird.Count} accepted in the last third");

        var inFlight = samples.Select(s => s.InFlight).OfType<double>().ToList();
        run.Check($"requests in flight stay within Correlation:MaxInFlight = {MaxInFlight} (ingress_requests_in_flight)",
            inFlight.Count > 0 && inFlight.Max() <= MaxInFlight,
            inFlight.Count == 0 ? "no /metrics scrape answered" : $"max {inFlight.Max():0} in {inFlight.Count} scrapes");

        // Every unanswered request has at most one entry waiting for or on a terminal; entries whose reply
        // is on its way back have already freed their slot, hence the slack. An unbounded intake grows
        // this by the difference between arrival and service rate, 60 entries/s here.
        var backlog = samples.Select(s => s.Backlog).OfType<long>().ToList();
        run.Check($"the queue for the proxy stays bounded (weather-requests pending + lag for its group <= {2 * MaxInFlight})",
            backlog.Count > 0 && backlog.Max() <= 2 * MaxInFlight,
            backlog.Count == 0 ? "no XINFO GROUPS answered" : $"max {backlog.Max()} in {backlog.Count} samples");

        var memory = new List<string>();
        foreach (var (app, rss) in new (string, Func<Sample, long?>)[]
        {
            (DaprNames.AppIds.Ingress, s => s.Ingress),
            (DaprNames.AppIds.Proxy, s => s.Proxy),
            ($"{DaprNames.AppIds.Ingress}-dapr", s => s.IngressSidecar),
            ($"{DaprNames.AppIds.Proxy}-dapr", s => s.ProxySidecar),
        })
        {
            var thirds = Enumerable.Range(0, 3).Select(third => PeakIn(samples, rss,
                burstStart + third * length / 3, third == 2 ? TimeSpan.MaxValue : burstStart + (third + 1) * length / 3)).ToList();
            var (first, last) = (thirds[0], thirds[2]);
            var peak = thirds.Max();
            memory.Add($"{app} {string.Join("/", thirds.Select(ProcessMemory.Megabytes))}");
            // The sidecars stand in for daprd here; the requirement is about the apps.
            if (app is DaprNames.AppIds.Ingress or DaprNames.AppIds.Proxy)
            {
                run.Check($"{app} memory stays bounded (last-third peak <= first-third peak + {GrowthAllowed * 100:0}% + {ProcessMemory.Megabytes(GrowthSlack)}, peak <= {ProcessMemory.Megabytes(Ceiling)})",
                    first is { } f && last is { } l && l <= f * (1 + GrowthAllowed) + GrowthSlack && peak <= Ceiling,
                    first is null || last is null ? "too few samples in a third of the burst"
                    : $"peak RSS by third {string.Join(" / ", thirds.Select(ProcessMemory.Megabytes))}; allowed in the last third {ProcessMemory.Megabytes((long)(first.Value * (1 + GrowthAllowed)) + GrowthSlack)}");
            }
        }

        await run.CheckSettledAsync(TimeSpan.FromSeconds(120), cancellationToken);
        run.Recovery = LastFinishedSince(run, burstEnd);

        run.CheckNoneRestarted("no app or sidecar restarted");

        var accepted = burst.Count(r => r.Accepted);
        run.Note($"burst: {burst.Count} POSTs in {length.TotalSeconds:0.0} s ({burst.Count / length.TotalSeconds:0}/s) against {TerminalCount / ProcessingTime.TotalSeconds:0}/s of terminals: " +
                 $"{accepted} accepted, {refused.Count} refused 503");
        run.Note($"peak RSS by third of the burst (first/middle/last), {samples.Count} samples: {string.Join("; ", memory)}");
        run.Note($"in flight max {(inFlight.Count > 0 ? inFlight.Max() : double.NaN):0} (limit {MaxInFlight}); proxy's weather-requests backlog max {(backlog.Count > 0 ? backlog.Max() : -1)}; " +
                 $"weather-requests length {await StreamLengthAsync(run.Stack.Redis)} after the burst; recovery counted from the end of the burst");
    }

    private sealed record Sample(TimeSpan At, long? Ingress, long? Proxy, long? IngressSidecar, long? ProxySidecar, double? InFlight, long? Backlog);

    // At a fixed rate (due times, not delays after each round) until cancelled.
    private static async Task<List<Sample>> SampleAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        var samples = new List<Sample>();
        var ingress = run.Stack.Stack[DaprNames.AppIds.Ingress];
        var proxy = run.Stack.Stack[DaprNames.AppIds.Proxy];
        var start = run.Clock.Elapsed;
        try
        {
            for (var tick = 1; ; tick++)
            {
                var at = run.Clock.Elapsed;
                var rss = (ProcessMemory.Resident(ingress.ProcessId), ProcessMemory.Resident(proxy.ProcessId),
                    ProcessMemory.Resident(ingress.SidecarProcessId), ProcessMemory.Resident(proxy.SidecarProcessId));
                samples.Add(new Sample(at, rss.Item1, rss.Item2, rss.Item3, rss.Item4,
                    await InFlightAsync(run, cancellationToken), await BacklogAsync(run.Stack.Redis)));
                var due = start + tick * SampleInterval;
                if (due > run.Clock.Elapsed)
                {
                    await Task.Delay(due - run.Clock.Elapsed, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        return samples;
    }

    private static async Task<double?> InFlightAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            return await PrometheusText.SumIfAnsweredAsync(run.Stack.Http, run.Stack.Ingress, "ingress_requests_in_flight", cancellationToken: limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    // Entries of weather-requests the proxy's group has not acknowledged: delivered and pending, or
    // not yet read (lag; null when Redis cannot tell, e.g. after a trim).
    private static async Task<long?> BacklogAsync(IDatabase redis)
    {
        try
        {
            var group = (await redis.StreamGroupInfoAsync(DaprNames.Topics.WeatherRequests))
                .Where(g => g.Name == DaprNames.AppIds.Proxy).Select(g => (StreamGroupInfo?)g).FirstOrDefault();
            return group is { Lag: { } lag } g ? g.PendingMessageCount + lag : null;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return null;
        }
    }

    private static async Task<string> StreamLengthAsync(IDatabase redis)
    {
        try
        {
            return (await redis.StreamLengthAsync(DaprNames.Topics.WeatherRequests)).ToString(CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return "unknown";
        }
    }

    // The highest resident size sampled in [from, to); null when no sample fell there.
    private static long? PeakIn(List<Sample> samples, Func<Sample, long?> rss, TimeSpan from, TimeSpan to)
    {
        var inRange = samples.Where(s => s.At >= from && s.At < to).Select(rss).OfType<long>().ToList();
        return inRange.Count == 0 ? null : inRange.Max();
    }

    private static TimeSpan Median(IEnumerable<TimeSpan> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? TimeSpan.Zero : sorted[sorted.Count / 2];
    }
}
