using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Shop.Grpc;

/// <summary>
/// A unary method of a protobuf service, checked against its descriptor: the method exists, is unary,
/// and takes <typeparamref name="TRequest"/> and returns <typeparamref name="TResponse"/>.
/// </summary>
public sealed class Method<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    /// <summary>The method <paramref name="name"/> of <paramref name="service"/>, e.g. <c>UsersReflection.Descriptor.Services[0]</c>.</summary>
    public Method(ServiceDescriptor service, string name)
    {
        ArgumentNullException.ThrowIfNull(service);
        var method = service.FindMethodByName(name)
            ?? throw new InvalidOperationException($"Service {service.FullName} has no method '{name}'.");
        if (method.IsClientStreaming || method.IsServerStreaming)
        {
            throw new InvalidOperationException($"{service.FullName}/{name} is a streaming method; only unary methods are supported.");
        }

        if (method.InputType.ClrType != typeof(TRequest) || method.OutputType.ClrType != typeof(TResponse))
        {
            throw new InvalidOperationException(
                $"{service.FullName}/{name} takes {method.InputType.ClrType?.Name} and returns {method.OutputType.ClrType?.Name}, " +
                $"not {typeof(TRequest).Name} and {typeof(TResponse).Name}.");
        }

        ServiceName = service.FullName;
        Name = name;
        FullName = $"/{ServiceName}/{Name}";
    }

    /// <summary>The full service name, <c>package.Service</c>.</summary>
    public string ServiceName { get; }

    public string Name { get; }

    /// <summary>The HTTP/2 path, <c>/package.Service/Method</c>.</summary>
    public string FullName { get; }

    internal MessageParser<TRequest> RequestParser { get; } = new(() => new TRequest());

    internal MessageParser<TResponse> ResponseParser { get; } = new(() => new TResponse());
}
