using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Shop.Grpc.Tests.Infrastructure;

/// <summary>
/// Our gRPC server on a cleartext HTTP/2 Kestrel endpoint at 127.0.0.1 (a free port the kernel picks),
/// serving the interop service unless told otherwise; its log is kept for assertions.
/// </summary>
internal sealed class GrpcTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcTestHost(WebApplication app, LogRecorder logs)
    {
        _app = app;
        Logs = logs;
        Address = new Uri(app.Urls.Single());
    }

    public Uri Address { get; }

    /// <summary>host:port, as grpc-js takes its target.</summary>
    public string Target => $"{Address.Host}:{Address.Port}";

    public LogRecorder Logs { get; }

    public static async Task<GrpcTestHost> StartAsync(
        Action<GrpcServiceBuilder>? map = null,
        Action<GrpcServerOptions>? options = null,
        Action<WebApplication>? endpoints = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        var logs = new LogRecorder();
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.Services.AddGrpcServer(options);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        (map ?? (service => service.MapInterop()))(app.MapGrpcService(InteropService.Descriptor));
        endpoints?.Invoke(app);
        await app.StartAsync();
        return new GrpcTestHost(app, logs);
    }

    /// <summary>A client of this server, registered the way a service registers one.</summary>
    public TestClient CreateClient(Action<GrpcClientOptions>? configure = null) => TestClient.For(Address, configure);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>An <see cref="InteropClient"/> from its own service provider, disposed with it.</summary>
internal sealed class TestClient(ServiceProvider services) : IDisposable
{
    public InteropClient Client { get; } = services.GetRequiredService<InteropClient>();

    public static TestClient For(Uri address, Action<GrpcClientOptions>? configure = null) =>
        new(new ServiceCollection()
            .AddGrpcClient<InteropClient>("interop", options =>
            {
                options.Address = address;
                configure?.Invoke(options);
            })
            .BuildServiceProvider());

    public void Dispose() => services.Dispose();
}

/// <summary>Keeps every log entry written through it.</summary>
internal sealed class LogRecorder : ILoggerProvider
{
    public ConcurrentQueue<(string Category, LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogRecorder recorder, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                recorder.Entries.Enqueue((category, logLevel, formatter(state, exception), exception));
            }
        }
    }
}
