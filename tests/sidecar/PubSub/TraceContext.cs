using System.Diagnostics;

namespace TestSidecar.PubSub;

/// <summary>
/// W3C trace context as daprd handles it: the caller's context (traceparent header, or the
/// binary grpc-trace-bin from OpenCensus clients) becomes the parent of a span daprd starts, and
/// that span's traceparent is what goes into the CloudEvent and onto calls to the app.
/// </summary>
internal readonly record struct TraceContext(ActivityTraceId TraceId, ActivitySpanId SpanId, ActivityTraceFlags Flags, string TraceState)
{
    public string TraceParent => $"00-{TraceId.ToHexString()}-{SpanId.ToHexString()}-{(byte)Flags:x2}";

    /// <summary>A span of the same trace, as the one daprd would start for its own work.</summary>
    public TraceContext NewChild() => this with { SpanId = ActivitySpanId.CreateRandom() };

    public static TraceContext NewRoot() =>
        new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, "");

    public static bool TryParse(string? traceParent, string? traceState, out TraceContext context)
    {
        context = default;
        if (traceParent is null || !ActivityContext.TryParse(traceParent, traceState, out var parsed))
        {
            return false;
        }
        context = new TraceContext(parsed.TraceId, parsed.SpanId, parsed.TraceFlags, traceState ?? "");
        return true;
    }

    /// <summary>daprd's gRPC server span: a child of the caller's traceparent or grpc-trace-bin, else a new trace.</summary>
    public static TraceContext FromGrpcCaller(Grpc.Core.Metadata headers)
    {
        if (TryParse(headers.GetValue("traceparent"), headers.GetValue("tracestate"), out var parent))
        {
            return parent.NewChild();
        }
        if (headers.GetValueBytes("grpc-trace-bin") is { } binary && TryParseBinary(binary, out parent))
        {
            return parent.NewChild();
        }
        return NewRoot();
    }

    /// <summary>OpenCensus binary format: version 0, field 0 trace-id (16), field 1 span-id (8), field 2 options (1).</summary>
    public static bool TryParseBinary(ReadOnlySpan<byte> value, out TraceContext context)
    {
        context = default;
        if (value.Length < 29 || value[0] != 0 || value[1] != 0 || value[18] != 1 || value[27] != 2)
        {
            return false;
        }
        context = new TraceContext(
            ActivityTraceId.CreateFromBytes(value.Slice(2, 16)),
            ActivitySpanId.CreateFromBytes(value.Slice(19, 8)),
            (ActivityTraceFlags)(value[28] & 1),
            "");
        return true;
    }
}
