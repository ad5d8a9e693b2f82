using Grpc.Core;
using Grpc.Net.Client;

namespace PlumbingFloor;

/// <summary>An app's gRPC channel to its broker, as the Dapr client's to its sidecar.</summary>
internal sealed class BrokerClient(Uri brokerUrl) : IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(brokerUrl);

    public async Task PublishAsync(string topic, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        await _channel.CreateCallInvoker().AsyncUnaryCall(Publish.Method, null, new CallOptions(cancellationToken: cancellationToken), new PublishRequest(topic, data));

    public void Dispose() => _channel.Dispose();
}
