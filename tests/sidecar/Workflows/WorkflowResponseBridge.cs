using System.Buffers.Binary;
using Dapr.DurableTask.Protobuf;
using Google.Protobuf;

namespace TestSidecar.Workflows;

/// <summary>
/// Dapr's durabletask fork reuses field numbers in CompleteOrchestratorTask requests that
/// Microsoft's messages read as other types (WorkflowResponse.version vs
/// orchestrationTraceContext, WorkflowAction.router vs rewindOrchestration, ScheduleTaskAction
/// router/taskExecutionId vs tags/parentTraceContext, CreateChildWorkflowAction.router vs
/// parentTraceContext). The engine cannot parse such a request and the instance hangs, so this
/// middleware re-reads the body as Dapr's WorkflowResponse, clears those fields and writes it back
/// (one length-prefixed gRPC frame) before the gRPC service sees it.
/// </summary>
internal sealed class WorkflowResponseBridge(RequestDelegate next, ILogger<WorkflowResponseBridge> logger)
{
    public const string Path = "/TaskHubSidecarService/CompleteOrchestratorTask";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.Equals(Path, StringComparison.Ordinal))
        {
            await next(context);
            return;
        }

        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        context.Request.Body = new MemoryStream(Rewrite(body));
        await next(context);
    }

    private byte[] Rewrite(byte[] body)
    {
        // A gRPC message frame: compressed flag (1 byte), big-endian length (4 bytes), message.
        if (body.Length < 5 || body[0] != 0)
        {
            return body;
        }
        var length = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(1, 4));
        if (length != body.Length - 5)
        {
            return body;
        }
        WorkflowResponse response;
        try
        {
            response = WorkflowResponse.Parser.ParseFrom(body, 5, length);
        }
        catch (InvalidProtocolBufferException ex)
        {
            Log.BridgeParseFailed(logger, ex.Message);
            return body;
        }

        response.Version = null;
        foreach (var action in response.Actions)
        {
            action.Router = null;
            if (action.ScheduleTask is { } schedule)
            {
                schedule.Router = null;
                schedule.TaskExecutionId = "";
            }
            if (action.CreateChildWorkflow is { } child)
            {
                child.Router = null;
            }
        }

        var message = response.ToByteArray();
        var frame = new byte[message.Length + 5];
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1, 4), message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }
}
