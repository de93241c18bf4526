using System.Net;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Shop.Grpc.Tests.Infrastructure;

/// <summary>
/// A gRPC server built the way src/Users/Program.cs builds one (AddServiceDefaults, AddGrpcServer, MapDefaultEndpoints,
/// MapGrpcServer), on a cleartext HTTP/2 Kestrel endpoint at 127.0.0.1 on a port the kernel picks; its log is kept.
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

    public IServiceProvider Services => _app.Services;

    /// <summary>Serves <see cref="InteropService"/>.</summary>
    public static Task<GrpcTestHost> StartAsync(
        Action<WebApplicationBuilder>? configure = null, Func<Exception, Status?>? exceptionStatus = null, string environment = "Production") =>
        StartAsync<InteropService>(configure, exceptionStatus, environment);

    /// <summary>Serves <typeparamref name="TService"/>; <paramref name="configure"/> adds services and configuration.</summary>
    public static async Task<GrpcTestHost> StartAsync<TService>(
        Action<WebApplicationBuilder>? configure = null, Func<Exception, Status?>? exceptionStatus = null, string environment = "Production")
        where TService : class
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = environment,
            ApplicationName = typeof(GrpcTestHost).Assembly.GetName().Name,
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.AddServiceDefaults();
        builder.AddGrpcServer(exceptionStatus);
        var logs = new LogRecorder();
        builder.Logging.ClearProviders().AddProvider(logs);
        configure?.Invoke(builder);

        var app = builder.Build();
        try
        {
            app.MapDefaultEndpoints();
            app.MapGrpcServer<TService>();
            await app.StartAsync();
            return new GrpcTestHost(app, logs);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync();
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }
}

/// <summary>
/// The calling side as a service has it: a host with AddServiceDefaults and the generated clients registered with
/// AddServiceGrpcClient, whose address service discovery reads from configuration Services:{name}:grpc:0.
/// </summary>
internal sealed class GrpcTestClient : IAsyncDisposable
{
    private readonly IHost _host;

    private GrpcTestClient(IHost host) => _host = host;

    public InteropClient Interop => _host.Services.GetRequiredService<InteropClient>();

    public Health.HealthClient Health => _host.Services.GetRequiredService<Health.HealthClient>();

    public ServerReflection.ServerReflectionClient Reflection => _host.Services.GetRequiredService<ServerReflection.ServerReflectionClient>();

    /// <summary>The client's call invoker, for methods no .proto declares.</summary>
    public CallInvoker Invoker => _host.Services.GetRequiredService<RawClient>().Invoker;

    /// <summary>Clients of the service <paramref name="name"/>, configured at <paramref name="address"/>.</summary>
    public static async Task<GrpcTestClient> StartAsync(Uri address, string name = "interop", Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            EnvironmentName = "Production",
            ApplicationName = typeof(GrpcTestClient).Assembly.GetName().Name,
        });
        builder.Configuration.AddInMemoryCollection([KeyValuePair.Create<string, string?>($"Services:{name}:grpc:0", address.ToString())]);
        builder.AddServiceDefaults();
        builder.Logging.ClearProviders();
        builder.Services.AddServiceGrpcClient<InteropClient>(name);
        builder.Services.AddServiceGrpcClient<Health.HealthClient>(name);
        builder.Services.AddServiceGrpcClient<ServerReflection.ServerReflectionClient>(name);
        builder.Services.AddServiceGrpcClient<RawClient>(name);
        configure?.Invoke(builder);

        var host = builder.Build();
        try
        {
            await host.StartAsync();
            return new GrpcTestClient(host);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync();
        }
        finally
        {
            _host.Dispose();
        }
    }
}

/// <summary>A client with no methods of its own: Grpc.Net.ClientFactory builds any class that takes a CallInvoker.</summary>
internal sealed class RawClient(CallInvoker invoker)
{
    public CallInvoker Invoker => invoker;
}

/// <summary>Keeps every log entry written through it.</summary>
internal sealed class LogRecorder : ILoggerProvider
{
    public System.Collections.Concurrent.ConcurrentQueue<(string Category, LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

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
