using Google.Protobuf;
using Shop.Grpc.Tests.Interop;

namespace Shop.Grpc.Tests.Infrastructure;

/// <summary>Our side of interop.proto on the Grpc.Tools base: it behaves as tests/interop/server.js does.</summary>
internal class InteropService : InteropServiceBase
{
    /// <summary>Milliseconds left until the call's deadline; -1 when it has none.</summary>
    public static long DeadlineMs(ServerCallContext context) => context.Deadline == DateTime.MaxValue
        ? -1
        : (long)Math.Max(0, (context.Deadline - DateTime.UtcNow).TotalMilliseconds);

    /// <summary>Echoes the text; request metadata whose key starts with "x-" comes back in the headers and the trailers.</summary>
    public override async Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context)
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

    /// <summary>Ends with the requested status and the trailer x-failed: yes.</summary>
    public override Task<EchoResponse> Fail(FailRequest request, ServerCallContext context) =>
        throw new RpcException(new Status((StatusCode)request.Code, request.Message), new Metadata { { "x-failed", "yes" } });

    /// <summary>Answers after delay_ms unless the call ends first.</summary>
    public override async Task<EchoResponse> Sleep(SleepRequest request, ServerCallContext context)
    {
        var deadlineMs = DeadlineMs(context);
        await Task.Delay(request.DelayMs, context.CancellationToken);
        return new EchoResponse { Text = "slept", DeadlineMs = deadlineMs };
    }
}

/// <summary>Methods of the interop service's package that no peer serves.</summary>
internal static class UndeclaredMethods
{
    private static readonly Marshaller<EchoRequest> Request = Marshallers.Create(m => m.ToByteArray(), EchoRequest.Parser.ParseFrom);
    private static readonly Marshaller<EchoResponse> Response = Marshallers.Create(m => m.ToByteArray(), EchoResponse.Parser.ParseFrom);

    /// <summary>shop.interop.v1.InteropService/Nope: a method interop.proto does not declare.</summary>
    public static readonly Method<EchoRequest, EchoResponse> Nope = new(MethodType.Unary, "shop.interop.v1.InteropService", "Nope", Request, Response);

    public static Task<EchoResponse> CallAsync(this CallInvoker invoker, Method<EchoRequest, EchoResponse> method) =>
        invoker.AsyncUnaryCall(method, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30)), new EchoRequest()).ResponseAsync;
}
