using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using DurableTask.Core;
using Grpc.Core;
using Microsoft.DurableTask.Testing.Sidecar.Dispatcher;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using P = Microsoft.DurableTask.Protobuf;

namespace TestSidecar.Workflows;

/// <summary>
/// What durabletask-go's gRPC executor (daprd's workflow backend) does when a worker's
/// GetWorkItems stream ends: every orchestrator and activity work item sent on that stream and not
/// completed yet is released with an error, so the engine abandons it and dispatches it again to
/// the next worker that connects (in daprd the workflow actor's reminder retries it).
/// <see cref="TaskHubGrpcServer"/> waits for such a completion forever (its pending-result table is
/// private and never cleared on disconnect), so the instance stayed locked: this tracks what each
/// stream was sent and fails those waits when the stream is gone.
/// </summary>
internal sealed class WorkItemStreams
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<GrpcOrchestratorExecutionResult>> orchestrators;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<ActivityExecutionResult>> activities;
    private readonly IDictionary partialOrchestrators;
    private readonly ILogger<WorkItemStreams> logger;
    private readonly Lock connectedGate = new();
    private int connected;
    private TaskCompletionSource workerConnected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public WorkItemStreams(TaskHubGrpcServer server, ILogger<WorkItemStreams> logger)
    {
        orchestrators = Field<ConcurrentDictionary<string, TaskCompletionSource<GrpcOrchestratorExecutionResult>>>(server, "pendingOrchestratorTasks");
        activities = Field<ConcurrentDictionary<string, TaskCompletionSource<ActivityExecutionResult>>>(server, "pendingActivityTasks");
        partialOrchestrators = Field<IDictionary>(server, "partialOrchestratorChunks");
        this.logger = logger;
    }

    private static T Field<T>(TaskHubGrpcServer server, string name) where T : class =>
        typeof(TaskHubGrpcServer).GetField(name, BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(server) as T
        ?? throw new InvalidOperationException($"TaskHubGrpcServer.{name} ({typeof(T).Name}) not found: the work-item abandon on disconnect needs updating for this package version");

    /// <summary>Runs one GetWorkItems call on a tracked stream; on its end, abandons what is still unanswered.</summary>
    public async Task RunAsync(IServerStreamWriter<P.WorkItem> stream, ServerCallContext context, Func<IServerStreamWriter<P.WorkItem>, Task> call)
    {
        var tracked = new Stream(this, stream);
        Connected(+1);
        try
        {
            await call(tracked);
        }
        finally
        {
            Connected(-1);
            var abandoned = tracked.Close();
            if (abandoned > 0)
            {
                Log.WorkItemsAbandoned(logger, context.Peer, abandoned);
            }
        }
    }

    /// <summary>
    /// Waits until a worker's GetWorkItems stream is connected. daprd registers the workflow actor
    /// types only while one is (pkg/runtime/wfengine/wfengine.go, the GetWorkItems connection
    /// callbacks); before that a create finds no actor address (FailedPrecondition) and
    /// CreateWorkflowInstance retries it every second until the caller's deadline
    /// (pkg/runtime/wfengine/backends/actors/actors.go).
    /// </summary>
    public Task WaitForWorkerAsync(CancellationToken cancellation)
    {
        lock (connectedGate)
        {
            return connected > 0 ? Task.CompletedTask : workerConnected.Task.WaitAsync(cancellation);
        }
    }

    private void Connected(int delta)
    {
        lock (connectedGate)
        {
            connected += delta;
            if (connected > 0)
            {
                workerConnected.TrySetResult();
            }
            else if (workerConnected.Task.IsCompleted)
            {
                workerConnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    private sealed class Stream(WorkItemStreams owner, IServerStreamWriter<P.WorkItem> inner) : IServerStreamWriter<P.WorkItem>
    {
        // Sent and unanswered: the engine's wait (by identity, so a later dispatch of the same key elsewhere is never touched) -> how to release it.
        private readonly Dictionary<object, Action> sent = new(ReferenceEqualityComparer.Instance);
        private bool closed;

        public WriteOptions? WriteOptions
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        public Task WriteAsync(P.WorkItem message) => WriteAsync(message, CancellationToken.None);

        public async Task WriteAsync(P.WorkItem message, CancellationToken cancellationToken)
        {
            var wait = Track(message);
            try
            {
                await inner.WriteAsync(message, cancellationToken);
            }
            catch
            {
                // The engine removes its wait and abandons the item itself when a send fails.
                if (wait is not null)
                {
                    lock (sent)
                    {
                        sent.Remove(wait);
                    }
                }
                throw;
            }
        }

        private Task? Track(P.WorkItem message)
        {
            Task? wait = null;
            Action? release = null;
            if (message.OrchestratorRequest is { } orchestrator)
            {
                var key = orchestrator.InstanceId;
                if (owner.orchestrators.TryGetValue(key, out var tcs))
                {
                    wait = tcs.Task;
                    release = () =>
                    {
                        if (owner.orchestrators.TryRemove(KeyValuePair.Create(key, tcs)))
                        {
                            owner.partialOrchestrators.Remove(key);
                            tcs.TrySetException(Closed());
                        }
                    };
                }
            }
            else if (message.ActivityRequest is { } activity)
            {
                var key = activity.OrchestrationInstance.InstanceId + "_" + activity.TaskId.ToString(CultureInfo.InvariantCulture);
                if (owner.activities.TryGetValue(key, out var tcs))
                {
                    wait = tcs.Task;
                    release = () =>
                    {
                        if (owner.activities.TryRemove(KeyValuePair.Create(key, tcs)))
                        {
                            tcs.TrySetException(Closed());
                        }
                    };
                }
            }

            lock (sent)
            {
                if (closed)
                {
                    // Same message TaskHubGrpcServer recognises for a finished stream: it abandons the item.
                    throw new InvalidOperationException("Can't write the message because the request is complete.");
                }
                if (wait is null || release is null)
                {
                    return null;
                }
                sent[wait] = release;
            }
            wait.ContinueWith(
                static (done, state) =>
                {
                    var (self, key) = ((Stream, object))state!;
                    lock (self.sent)
                    {
                        self.sent.Remove(key);
                    }
                },
                (this, (object)wait),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return wait;
        }

        public int Close()
        {
            Action[] releases;
            lock (sent)
            {
                closed = true;
                releases = [.. sent.Values];
                sent.Clear();
            }
            foreach (var release in releases)
            {
                release();
            }
            return releases.Length;
        }

        private static Exception Closed() => new OperationCanceledException("The worker's work item stream closed before it completed this work item; abandoned for the next worker.");
    }
}
