#!/usr/bin/env python3
"""Where a .NET process's CPU goes, from `perf script -F pid,tid,ip,sym,dso` output.

Each sample is charged to the first frame, from the leaf up, that belongs to a known area (the
table below), so the rows add up to 100%. With --callers PATTERN it lists instead the callers of
the first frame matching PATTERN, to find who asks for a cost (for example CustomAttribute).

    areas.py perf.txt PID
    areas.py perf.txt PID --callers 'CustomAttribute' [--depth 3]

Method: tests/benchmarks/README.md, "Profiling".
"""
import argparse
import collections
import re

# (area, pattern on the frame's declaring type), first match wins; order matters.
AREAS = [
    ("logging", r"^Microsoft\.Extensions\.Logging|LoggerMessage|Log$"),
    ("tracing", r"^OpenTelemetry\.Trace|^System\.Diagnostics\.Activity|ActivitySource|DiagnosticsHandler|HostingApplicationDiagnostics"),
    ("metrics", r"^OpenTelemetry\.Metrics|^System\.Diagnostics\.Metrics|MetricsHandler|HostingMetrics"),
    ("opentelemetry, other", r"^OpenTelemetry"),
    ("json", r"^System\.Text\.Json"),
    ("protobuf", r"^Google\.Protobuf"),
    ("reflection (custom attributes)", r"CustomAttribute|ModuleHandle"),
    ("exceptions", r"^System\.Runtime\.EH|Exception"),
    ("grpc client", r"^Grpc\."),
    ("http client (HTTP/2 to the sidecar)", r"^System\.Net\.Http"),
    ("kestrel", r"^Microsoft\.AspNetCore\.Server\.Kestrel"),
    ("asp.net core", r"^Microsoft\.AspNetCore"),
    ("dapr workflow sdk", r"^Dapr\.Workflow"),
    ("dapr client sdk", r"^Dapr\."),
    ("the app's own code", r"^RedisStreamDemo"),
    ("sockets", r"^System\.Net\.Sockets"),
    ("thread pool (waiting, spinning)", r"LowLevelLifoSemaphore|WorkerThread|ThreadPool|Semaphore"),
    ("async machinery", r"^System\.Runtime\.CompilerServices|^System\.Threading"),
    ("strings, collections", r"^System\.(String|Text|Collections|Buffers|Number|Guid|SpanHelpers)"),
]
KERNEL = [("kernel: scheduling", r"sched|finish_task_switch|futex"), ("kernel: network", r"tcp|sock|epoll|skb|ip_|net_")]


def frames(path, pid):
    """Yields each sample of the process as a list of frames, leaf first."""
    stack, current = [], None
    with open(path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if not line.strip():
                if current == pid and stack:
                    yield stack
                stack, current = [], None
            elif not line[0].isspace():
                current = line.split("/")[0].strip()
            else:
                match = re.match(r"\s*[0-9a-f]+ (.*) \((.*)\)$", line)
                if match:
                    symbol, dso = match.groups()
                    stack.append("?" + dso.rsplit("/", 1)[-1] if symbol == "[unknown]" else symbol)


def declaring_type(frame):
    match = re.search(r"([^\s\]]+)::[^\s]*\(", frame)
    return match.group(1) if match else frame


def area(stack):
    for frame in stack:
        owner = declaring_type(frame)
        for name, pattern in AREAS:
            if re.search(pattern, owner):
                return name
    for name, pattern in KERNEL:
        if re.search(pattern, stack[0]):
            return name
    return "runtime (native: GC, JIT, stubs)"


def short(frame):
    frame = re.sub(r"\[(Optimized\w*|Tier\w*|QuickJitted|PreJIT|Instrumented\w*)\]", "", frame)
    frame = re.sub(r"\[[\w.]+\] ", "", frame)
    return re.sub(r"^((instance|class|void|bool|valuetype) )+", "", frame).strip()[:110]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("script")
    parser.add_argument("pid")
    parser.add_argument("--callers")
    parser.add_argument("--depth", type=int, default=3)
    args = parser.parse_args()

    counts, total = collections.Counter(), 0
    for stack in frames(args.script, args.pid):
        total += 1
        if not args.callers:
            counts[area(stack)] += 1
            continue
        hits = [i for i, frame in enumerate(stack) if re.search(args.callers, frame)]
        if hits:
            above = stack[max(hits) + 1:max(hits) + 1 + args.depth]
            counts[" <- ".join(short(frame) for frame in above)] += 1
    if total == 0:
        raise SystemExit(f"no samples of process {args.pid} in {args.script}")
    print(f"{total} samples of process {args.pid}")
    for name, count in counts.most_common(30):
        print(f"{100 * count / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
