#if (grpc)
using Grpc.Net.Client;
using Shop.Hosting;
#endif
using Shop.Testing;
#if (grpc)
using V1 = Shop.Contracts.TemplateService.V1;
#endif

namespace Shop.TemplateService.Tests;

#if (database)
/// <summary>templateservice as a process on its own fresh database, exporting telemetry to an in-test receiver.</summary>
#else
/// <summary>templateservice as a process, exporting telemetry to an in-test receiver.</summary>
#endif
public sealed class TemplateServiceProcess : IAsyncLifetime
{
#if (grpc)
    private GrpcChannel? _channel;

#endif
    public static string Dll => BuiltApp.Dll("src/TemplateService", "Shop.TemplateService");

#if (database)
    public PostgresDatabase Database { get; } = new();

#endif
    public OtlpReceiver Telemetry { get; private set; } = null!;

    public ServiceProcess Process { get; private set; } = null!;

#if (grpc)
    /// <summary>The generated client, on a channel to the service's gRPC endpoint.</summary>
    public V1.TemplateServiceService.TemplateServiceServiceClient Client { get; private set; } = null!;

#endif
    public async Task InitializeAsync()
    {
#if (database)
        await Database.InitializeAsync();
#endif
        Telemetry = await OtlpReceiver.StartAsync();
        var environment = Telemetry.ExportEnvironment();
#if (database)
        environment["ConnectionStrings__templateservice"] = Database.ConnectionString;
#endif
#if (grpc)
        Process = await ServiceProcess.StartAsync(Dll, environment, grpcPort: FreePort.Next());
        _channel = GrpcChannel.ForAddress(Process.GrpcAddress!);
        Client = new V1.TemplateServiceService.TemplateServiceServiceClient(_channel);
#else
        Process = await ServiceProcess.StartAsync(Dll, environment);
#endif
    }

    public async Task DisposeAsync()
    {
        // Whatever started is stopped, even when a later step of InitializeAsync failed.
#if (grpc)
        _channel?.Dispose();
#endif
        if (Process is not null)
        {
            await Process.DisposeAsync();
        }

        if (Telemetry is not null)
        {
            await Telemetry.DisposeAsync();
        }
#if (database)

        await Database.DisposeAsync();
#endif
    }
}
