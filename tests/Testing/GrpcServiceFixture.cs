using Grpc.Core;
using Shop.Hosting;
using Xunit;

namespace Shop.Testing;

/// <summary>
/// A class fixture: one of the suite's gRPC services as a process on its own fresh database, exporting telemetry
/// to its own receiver, with a <typeparamref name="TClient"/> on a channel to it.
/// </summary>
public abstract class GrpcServiceFixture<TClient>(string name, Func<CallInvoker, TClient> createClient) : IAsyncLifetime
    where TClient : class
{
    private TestGrpcClient<TClient>? _client;

    public PostgresDatabase Database { get; } = new();

    public OtlpReceiver Telemetry { get; private set; } = null!;

    public ServiceProcess Process { get; private set; } = null!;

    public TClient Client { get; private set; } = null!;

    /// <summary>Configuration the process starts with, besides its database, telemetry and endpoints.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Environment { get; } = new Dictionary<string, string?>();

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        Telemetry = await OtlpReceiver.StartAsync();
        Process = await SuiteService.StartAsync(name, Database, Telemetry, Environment, grpcPort: FreePort.Next());
        _client = new TestGrpcClient<TClient>(Process.GrpcAddress ?? throw new InvalidOperationException($"{name} was started without a gRPC endpoint."), createClient);
        Client = _client.Client;
    }

    public async Task DisposeAsync()
    {
        // Whatever started is stopped, even when a later step of InitializeAsync failed.
        _client?.Dispose();

        if (Process is not null)
        {
            await Process.DisposeAsync();
        }

        if (Telemetry is not null)
        {
            await Telemetry.DisposeAsync();
        }

        await Database.DisposeAsync();
    }
}
