using System.Buffers.Binary;
using System.Text;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace PlumbingFloor;

/// <summary>A topic and the message's JSON: what an app hands its broker, as PublishEvent hands daprd.</summary>
internal sealed record PublishRequest(string Topic, ReadOnlyMemory<byte> Data);

/// <summary>
/// The one gRPC method an app calls on its broker, declared by hand (no .proto, no code generation):
/// the topic's length, the topic and the data, in one buffer.
/// </summary>
internal static class Publish
{
    public static readonly Method<PublishRequest, byte[]> Method = new(
        MethodType.Unary,
        "plumbing.Broker",
        "Publish",
        Marshallers.Create(Serialize, Deserialize),
        Marshallers.Create<byte[]>(bytes => bytes, bytes => bytes));

    private static byte[] Serialize(PublishRequest request)
    {
        var topicLength = Encoding.UTF8.GetByteCount(request.Topic);
        var buffer = new byte[4 + topicLength + request.Data.Length];
        BinaryPrimitives.WriteInt32LittleEndian(buffer, topicLength);
        Encoding.UTF8.GetBytes(request.Topic, buffer.AsSpan(4));
        request.Data.Span.CopyTo(buffer.AsSpan(4 + topicLength));
        return buffer;
    }

    private static PublishRequest Deserialize(byte[] buffer)
    {
        var topicLength = BinaryPrimitives.ReadInt32LittleEndian(buffer);
        return new PublishRequest(Encoding.UTF8.GetString(buffer, 4, topicLength), buffer.AsMemory(4 + topicLength));
    }
}

/// <summary>Binds <see cref="Publish.Method"/> to <see cref="Broker.PublishAsync"/> for MapGrpcService.</summary>
internal sealed class PublishMethodProvider : IServiceMethodProvider<Broker>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<Broker> context) =>
        context.AddUnaryMethod(Publish.Method, [], (broker, request, call) => broker.PublishAsync(request, call.CancellationToken));
}
