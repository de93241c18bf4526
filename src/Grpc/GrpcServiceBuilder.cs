using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Shop.Grpc;

/// <summary>Adds the handlers of one service; each method is checked against the service descriptor when it is mapped.</summary>
public sealed class GrpcServiceBuilder
{
    private readonly IEndpointRouteBuilder _endpoints;
    private readonly ServiceDescriptor _service;
    private readonly GrpcServer _server;

    internal GrpcServiceBuilder(IEndpointRouteBuilder endpoints, ServiceDescriptor service, GrpcServer server)
    {
        _endpoints = endpoints;
        _service = service;
        _server = server;
    }

    /// <summary>Serves the unary method <paramref name="method"/> with a function.</summary>
    public GrpcServiceBuilder Unary<TRequest, TResponse>(string method, Func<TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Map<TRequest, TResponse>(method, (_, request, context) => handler(request, context));
    }

    /// <summary>Serves the unary method <paramref name="method"/> with a <typeparamref name="TService"/> resolved from the request's services.</summary>
    public GrpcServiceBuilder Unary<TService, TRequest, TResponse>(
        string method, Func<TService, TRequest, ServerCallContext, Task<TResponse>> handler)
        where TService : notnull
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Map<TRequest, TResponse>(method, (http, request, context) =>
            handler(http.RequestServices.GetRequiredService<TService>(), request, context));
    }

    private GrpcServiceBuilder Map<TRequest, TResponse>(
        string name, Func<HttpContext, TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var method = new Method<TRequest, TResponse>(_service, name);
        var call = new UnaryServerMethod<TRequest, TResponse>(method, handler, _server);
        _endpoints.MapPost(method.FullName, call.HandleAsync).WithDisplayName($"gRPC {method.FullName}");
        return this;
    }
}
