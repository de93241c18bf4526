using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Shop.Grpc;

public static class GrpcClientExtensions
{
    /// <summary>Registers <typeparamref name="TClient"/>, built with the <see cref="CallInvoker"/> of the server <paramref name="name"/> (address from Services:{name}:grpc:0).</summary>
    public static IServiceCollection AddGrpcClient<TClient>(
        this IServiceCollection services, string name, Action<GrpcClientOptions>? configure = null)
        where TClient : class
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var options = services.AddOptions<GrpcClientOptions>(name);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton<GrpcHttpHandlers>();
        services.TryAddKeyedSingleton(name, static (provider, key) => CreateInvoker(provider, (string)key!));
        services.TryAddTransient(provider =>
            ActivatorUtilities.CreateInstance<TClient>(provider, provider.GetRequiredKeyedService<CallInvoker>(name)));
        return services;
    }

    private static CallInvoker CreateInvoker(IServiceProvider provider, string name)
    {
        var options = provider.GetRequiredService<IOptionsMonitor<GrpcClientOptions>>().Get(name);
        var key = $"Services:{name}:grpc:0";
        var address = options.Address
            ?? (Uri.TryCreate(provider.GetService<IConfiguration>()?[key], UriKind.Absolute, out var configured) ? configured : null)
            ?? throw new InvalidOperationException(
                $"No address for gRPC client '{name}': set configuration {key} (environment variable Services__{name}__grpc__0) to an absolute URI such as http://127.0.0.1:5001.");
        return new CallInvoker(provider.GetRequiredService<GrpcHttpHandlers>().For(address), address, options);
    }
}
