using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TestSidecar.Resources;

/// <summary>
/// gobreaker's refusals (sony/gobreaker v0.5.0 ErrOpenState, ErrTooManyRequests), which daprd passes
/// on unchanged (pkg/resiliency/breaker/circuitbreaker.go Execute) and policy.go makes permanent: a
/// retry policy stops at once instead of retrying into the open breaker.
/// </summary>
internal sealed class CircuitBreakerOpenException(string message) : Exception(message)
{
    public const string OpenState = "circuit breaker is open";
    public const string TooManyRequests = "too many requests";
}

/// <summary>gobreaker's states, in its order.</summary>
internal enum CircuitBreakerState
{
    Closed,
    HalfOpen,
    Open,
}

/// <summary>gobreaker.Counts: cleared on every state change and at each closed-state interval.</summary>
internal readonly record struct CircuitBreakerCounts(uint Requests, uint TotalSuccesses, uint TotalFailures, uint ConsecutiveSuccesses, uint ConsecutiveFailures);

/// <summary>
/// One entry of <c>policies.circuitBreakers</c> as daprd decodes it (pkg/apis/resiliency/v1alpha1
/// CircuitBreaker: maxRequests int, interval, timeout and trip strings; kit config.Decode: a bare
/// integer duration is milliseconds). Zero values are left for gobreaker's NewCircuitBreaker to replace.
/// </summary>
internal sealed record CircuitBreakerPolicy(string Name, uint MaxRequests, TimeSpan Interval, TimeSpan Timeout, TripExpression? Trip)
{
    private static readonly string[] SchemaFields = ["maxRequests", "interval", "timeout", "trip"];

    public static CircuitBreakerPolicy Parse(string name, YamlNode node)
    {
        if (node is not YamlMappingNode map)
        {
            throw new InvalidOperationException($"circuit breaker {name} is not a mapping: daprd cannot parse this Resiliency file and loads none of it");
        }
        // sigs.k8s.io/yaml matches keys case-insensitively and drops the others, as for retries.
        var fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Children)
        {
            if (SchemaFields.FirstOrDefault(f => string.Equals(f, (key as YamlScalarNode)?.Value, StringComparison.OrdinalIgnoreCase)) is { } field)
            {
                fields[field] = value;
            }
        }

        string? Text(string field) => fields.TryGetValue(field, out var value) && value is YamlScalarNode { Value: { Length: > 0 } text } ? text : null;

        uint maxRequests = 0;
        if (fields.TryGetValue("maxRequests", out var max))
        {
            // An int in the v1alpha1 type: a quoted value fails the file's json.Unmarshal; mapstructure
            // refuses a negative one for the uint32 field.
            maxRequests = max is YamlScalarNode { Style: ScalarStyle.Plain, Value: { } text }
                && uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new InvalidOperationException($"circuit breaker {name}: maxRequests must be a non-negative YAML integer; daprd cannot parse this Resiliency file and loads none of it");
        }
        return new CircuitBreakerPolicy(
            name,
            maxRequests,
            Text("interval") is { } interval ? Resiliency.ParseDuration(interval) : TimeSpan.Zero,
            Text("timeout") is { } timeout ? Resiliency.ParseDuration(timeout) : TimeSpan.Zero,
            Text("trip") is { } trip ? TripExpression.Parse(name, trip) : null);
    }
}

/// <summary>
/// The <c>trip</c> CEL expression (dapr/dapr pkg/expr, evaluated in breaker/circuitbreaker.go over
/// requests, totalSuccesses, totalFailures, consecutiveSuccesses and consecutiveFailures as int64).
/// The test sidecar evaluates only comparisons of those names with integer literals, joined by
/// <c>&amp;&amp;</c>, <c>||</c> and parentheses; anything else is refused rather than guessed.
/// </summary>
internal sealed class TripExpression
{
    private static readonly string[] Variables = ["requests", "totalSuccesses", "totalFailures", "consecutiveSuccesses", "consecutiveFailures"];

    private readonly Func<CircuitBreakerCounts, bool> _evaluate;

    private TripExpression(string text, Func<CircuitBreakerCounts, bool> evaluate)
    {
        Text = text;
        _evaluate = evaluate;
    }

    public string Text { get; }

    public bool Evaluate(CircuitBreakerCounts counts) => _evaluate(counts);

    public static TripExpression Parse(string breaker, string text)
    {
        var parser = new Parser(breaker, text);
        var evaluate = parser.Or();
        parser.End();
        return new TripExpression(text, evaluate);
    }

    private sealed class Parser(string breaker, string text)
    {
        private int _position;

        public Func<CircuitBreakerCounts, bool> Or()
        {
            var left = And();
            while (Accept("||"))
            {
                var (l, r) = (left, And());
                left = c => l(c) || r(c);
            }
            return left;
        }

        public void End()
        {
            SkipSpaces();
            if (_position < text.Length)
            {
                throw Unsupported();
            }
        }

        private Func<CircuitBreakerCounts, bool> And()
        {
            var left = Primary();
            while (Accept("&&"))
            {
                var (l, r) = (left, Primary());
                left = c => l(c) && r(c);
            }
            return left;
        }

        private Func<CircuitBreakerCounts, bool> Primary()
        {
            if (Accept("("))
            {
                var inner = Or();
                return Accept(")") ? inner : throw Unsupported();
            }
            var left = Operand();
            var op = new[] { ">=", "<=", "==", "!=", ">", "<" }.FirstOrDefault(Accept) ?? throw Unsupported();
            var right = Operand();
            return op switch
            {
                ">=" => c => left(c) >= right(c),
                "<=" => c => left(c) <= right(c),
                "==" => c => left(c) == right(c),
                "!=" => c => left(c) != right(c),
                ">" => c => left(c) > right(c),
                _ => c => left(c) < right(c),
            };
        }

        private Func<CircuitBreakerCounts, long> Operand()
        {
            SkipSpaces();
            var start = _position;
            if (_position < text.Length && (text[_position] == '-' || char.IsAsciiDigit(text[_position])))
            {
                _position++;
                while (_position < text.Length && char.IsAsciiDigit(text[_position]))
                {
                    _position++;
                }
                // A CEL int literal; 5u, 5.0 and 0x5 are other literals the sidecar does not evaluate.
                if (_position < text.Length && (char.IsAsciiLetterOrDigit(text[_position]) || text[_position] is '.' or '_')
                    || !long.TryParse(text.AsSpan(start, _position - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var literal))
                {
                    throw Unsupported();
                }
                return _ => literal;
            }
            while (_position < text.Length && (char.IsAsciiLetterOrDigit(text[_position]) || text[_position] == '_'))
            {
                _position++;
            }
            // daprd declares any other name as a variable of type any; evaluating it fails and the
            // breaker then never trips. Refused here so a typo does not silently disable the breaker.
            return text[start.._position] switch
            {
                "requests" => c => c.Requests,
                "totalSuccesses" => c => c.TotalSuccesses,
                "totalFailures" => c => c.TotalFailures,
                "consecutiveSuccesses" => c => c.ConsecutiveSuccesses,
                "consecutiveFailures" => c => c.ConsecutiveFailures,
                _ => throw Unsupported(),
            };
        }

        private bool Accept(string token)
        {
            SkipSpaces();
            if (string.CompareOrdinal(text, _position, token, 0, token.Length) != 0)
            {
                return false;
            }
            _position += token.Length;
            return true;
        }

        private void SkipSpaces()
        {
            while (_position < text.Length && char.IsWhiteSpace(text[_position]))
            {
                _position++;
            }
        }

        private NotSupportedException Unsupported() =>
            new($"circuit breaker {breaker}: trip '{text}' is not supported by the test sidecar (it evaluates comparisons of {string.Join(", ", Variables)} with integer literals, joined by &&, || and parentheses)");
    }
}

/// <summary>
/// sony/gobreaker v0.5.0 CircuitBreaker as daprd configures it (pkg/resiliency/breaker/circuitbreaker.go
/// Initialize): closed until <c>trip</c> holds after a failure (default consecutiveFailures &gt; 5), counts
/// cleared every <c>interval</c> while closed (0: never); open for <c>timeout</c> (0: 60s), refusing every
/// call; then half-open, letting <c>maxRequests</c> (0: 1) calls through, closed again after that many
/// consecutive successes and open again on any failure. A result from an older generation (a call started
/// before a state change or interval reset) is ignored. Every state change is logged at Information.
/// </summary>
internal sealed class CircuitBreaker
{
    private readonly Lock _lock = new();
    private readonly uint _maxRequests;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _timeout;
    private readonly TripExpression? _trip;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private CircuitBreakerState _state = CircuitBreakerState.Closed;
    private ulong _generation;
    private CircuitBreakerCounts _counts;
    private DateTimeOffset? _expiry;

    public CircuitBreaker(string name, CircuitBreakerPolicy policy, TimeProvider time, ILogger logger)
    {
        Name = name;
        _maxRequests = policy.MaxRequests == 0 ? 1 : policy.MaxRequests;
        _interval = policy.Interval > TimeSpan.Zero ? policy.Interval : TimeSpan.Zero;
        _timeout = policy.Timeout > TimeSpan.Zero ? policy.Timeout : TimeSpan.FromSeconds(60);
        _trip = policy.Trip;
        _time = time;
        _logger = logger;
        NewGeneration(_time.GetUtcNow());
    }

    public string Name { get; }

    public CircuitBreakerState State
    {
        get
        {
            lock (_lock)
            {
                return Current(_time.GetUtcNow()).State;
            }
        }
    }

    public CircuitBreakerCounts Counts
    {
        get
        {
            lock (_lock)
            {
                return _counts;
            }
        }
    }

    /// <summary>gobreaker Execute: the call's exception (any) counts as a failure, its completion as a success.</summary>
    public async Task<T> ExecuteAsync<T>(Func<Task<T>> operation)
    {
        var generation = Allow();
        T result;
        try
        {
            result = await operation();
        }
        catch
        {
            Report(generation, success: false);
            throw;
        }
        Report(generation, success: true);
        return result;
    }

    /// <summary>beforeRequest: the generation to report to, or gobreaker's refusal.</summary>
    public ulong Allow()
    {
        lock (_lock)
        {
            var (state, generation) = Current(_time.GetUtcNow());
            if (state == CircuitBreakerState.Open)
            {
                throw new CircuitBreakerOpenException(CircuitBreakerOpenException.OpenState);
            }
            if (state == CircuitBreakerState.HalfOpen && _counts.Requests >= _maxRequests)
            {
                throw new CircuitBreakerOpenException(CircuitBreakerOpenException.TooManyRequests);
            }
            _counts = _counts with { Requests = _counts.Requests + 1 };
            return generation;
        }
    }

    /// <summary>afterRequest.</summary>
    public void Report(ulong generation, bool success)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var (state, current) = Current(now);
            if (current != generation)
            {
                return;
            }
            if (success)
            {
                _counts = _counts with { TotalSuccesses = _counts.TotalSuccesses + 1, ConsecutiveSuccesses = _counts.ConsecutiveSuccesses + 1, ConsecutiveFailures = 0 };
                if (state == CircuitBreakerState.HalfOpen && _counts.ConsecutiveSuccesses >= _maxRequests)
                {
                    SetState(CircuitBreakerState.Closed, now);
                }
                return;
            }
            if (state == CircuitBreakerState.Closed)
            {
                _counts = _counts with { TotalFailures = _counts.TotalFailures + 1, ConsecutiveFailures = _counts.ConsecutiveFailures + 1, ConsecutiveSuccesses = 0 };
                if (_trip?.Evaluate(_counts) ?? _counts.ConsecutiveFailures > 5)
                {
                    SetState(CircuitBreakerState.Open, now);
                }
            }
            else if (state == CircuitBreakerState.HalfOpen)
            {
                SetState(CircuitBreakerState.Open, now);
            }
        }
    }

    // currentState: expiry.Before(now) is strict.
    private (CircuitBreakerState State, ulong Generation) Current(DateTimeOffset now)
    {
        if (_state == CircuitBreakerState.Closed && _expiry is { } reset && reset < now)
        {
            NewGeneration(now);
        }
        else if (_state == CircuitBreakerState.Open && _expiry < now)
        {
            SetState(CircuitBreakerState.HalfOpen, now);
        }
        return (_state, _generation);
    }

    private void SetState(CircuitBreakerState state, DateTimeOffset now)
    {
        if (_state == state)
        {
            return;
        }
        var previous = _state;
        _state = state;
        NewGeneration(now);
        Log.CircuitBreakerStateChanged(_logger, Name, Text(previous), Text(state));
    }

    private void NewGeneration(DateTimeOffset now)
    {
        _generation++;
        _counts = default;
        _expiry = _state switch
        {
            CircuitBreakerState.Closed => _interval == TimeSpan.Zero ? null : now + _interval,
            CircuitBreakerState.Open => now + _timeout,
            _ => null,
        };
    }

    private static string Text(CircuitBreakerState state) => state switch
    {
        CircuitBreakerState.Closed => "closed",
        CircuitBreakerState.HalfOpen => "half-open",
        _ => "open",
    };
}
