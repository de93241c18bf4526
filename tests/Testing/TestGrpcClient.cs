using Grpc.Core;
using Grpc.Net.Client;

namespace Shop.Testing;

/// <summary>A test's client of one of the suite's gRPC services: a channel to its address and a typed client on it.</summary>
public sealed class TestGrpcClient<TClient> : IDisposable
{
    private readonly GrpcChannel _channel;

    public TestGrpcClient(Uri address, Func<CallInvoker, TClient> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        _channel = GrpcChannel.ForAddress(address);
        Client = create(_channel.CreateCallInvoker());
    }

    public TClient Client { get; }

    public void Dispose() => _channel.Dispose();
}
