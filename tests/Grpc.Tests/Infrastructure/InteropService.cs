using Shop.Grpc.Tests.Interop;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Shop.Grpc.Tests.Infrastructure;

/// <summary>Our side of interop.proto: handlers that behave as tests/interop/server.js does, and a typed client.</summary>
internal static class InteropService
{
    public static readonly ServiceDescriptor Descriptor = InteropReflection.Descriptor.Services[0];

    public static GrpcServiceBuilder MapInterop(this GrpcServiceBuilder service) => service
        .Unary<EchoRequest, EchoResponse>("Echo", EchoAsync)
        .Unary<FailRequest, EchoResponse>("Fail", Fail)
        .Unary<SleepRequest, EchoResponse>("Sleep", SleepAsync);

    /// <summary>Milliseconds left until the call's deadline; -1 when it has none.</summary>
    public static long DeadlineMs(ServerCallContext context) => context.Deadline == DateTime.MaxValue
        ? -1
        : (long)Math.Max(0, (context.Deadline - DateTime.UtcNow).TotalMilliseconds);

    private static async Task<EchoResponse> EchoAsync(EchoRequest request, ServerCallContext context)
    {
        var deadlineMs = DeadlineMs(context);
        var echoed = new Metadata();
        foreach (var entry in context.RequestHeaders.Where(e => e.Key.StartsWith("x-", StringComparison.Ordinal)))
        {
            echoed.Add(entry);
            context.ResponseTrailers.Add(entry);
        }

        await context.WriteResponseHeadersAsync(echoed);
        return new EchoResponse { Text = request.Text, DeadlineMs = deadlineMs };
    }

    private static Task<EchoResponse> Fail(FailRequest request, ServerCallContext context) =>
        throw new RpcException(new Status((StatusCode)request.Code, request.Message), new Metadata { { "x-failed", "yes" } });

    private static async Task<EchoResponse> SleepAsync(SleepRequest request, ServerCallContext context)
    {
        var deadlineMs = DeadlineMs(context);
        await Task.Delay(request.DelayMs, context.CancellationToken);
        return new EchoResponse { Text = "slept", DeadlineMs = deadlineMs };
    }
}

/// <summary>A typed client as a service would write one: a Method per RPC, one line per call.</summary>
internal sealed class InteropClient(CallInvoker invoker)
{
    public static readonly Method<EchoRequest, EchoResponse> EchoMethod = new(InteropService.Descriptor, "Echo");
    public static readonly Method<FailRequest, EchoResponse> FailMethod = new(InteropService.Descriptor, "Fail");
    public static readonly Method<SleepRequest, EchoResponse> SleepMethod = new(InteropService.Descriptor, "Sleep");
    public static readonly Method<EchoRequest, EchoResponse> UnimplementedMethod = new(InteropService.Descriptor, "Unimplemented");

    public CallInvoker Invoker => invoker;

    public Task<EchoResponse> EchoAsync(string text, CallOptions options = default) =>
        invoker.UnaryAsync(EchoMethod, new EchoRequest { Text = text }, options);

    public Task<EchoResponse> FailAsync(StatusCode code, string message, CallOptions options = default) =>
        invoker.UnaryAsync(FailMethod, new FailRequest { Code = (int)code, Message = message }, options);

    public Task<EchoResponse> SleepAsync(TimeSpan delay, CallOptions options = default) =>
        invoker.UnaryAsync(SleepMethod, new SleepRequest { DelayMs = (int)delay.TotalMilliseconds }, options);
}
