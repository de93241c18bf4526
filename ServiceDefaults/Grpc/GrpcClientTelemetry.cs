using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Shop.Conventions;

namespace Shop.ServiceDefaults.Grpc;

/// <summary>
/// Records <c>rpc.client.call.duration</c> for every unary call (async and blocking); the client spans come from
/// OpenTelemetry.Instrumentation.GrpcNetClient, which records no metric.
/// </summary>
internal sealed class GrpcClientTelemetry : Interceptor
{
    public static readonly GrpcClientTelemetry Instance = new();

    private static readonly Meter Meter = new(TelemetrySources.Grpc);

    private static readonly Histogram<double> Duration = Meter.CreateHistogram(
        TelemetryMetrics.RpcClientCallDuration, unit: "s", description: "Duration of outgoing gRPC calls.", tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = TelemetryMetrics.DurationBucketsSeconds });

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        var call = continuation(request, context);
        return new AsyncUnaryCall<TResponse>(
            Record(call.ResponseAsync, context.Method.FullName.TrimStart('/'), started), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        var code = StatusCode.OK;
        try
        {
            return continuation(request, context);
        }
        catch (RpcException e)
        {
            code = e.StatusCode;
            throw;
        }
        finally
        {
            Measure(context.Method.FullName.TrimStart('/'), code, started);
        }
    }

    private static async Task<TResponse> Record<TResponse>(Task<TResponse> response, string method, long started)
    {
        var code = StatusCode.OK;
        try
        {
            return await response.ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            code = e.StatusCode;
            throw;
        }
        catch (OperationCanceledException)
        {
            code = StatusCode.Cancelled;
            throw;
        }
        finally
        {
            Measure(method, code, started);
        }
    }

    private static void Measure(string method, StatusCode code, long started)
    {
        var name = RpcStatusCodes.Name((int)code);
        var tags = new TagList
        {
            { TelemetryAttributes.RpcSystemName, RpcStatusCodes.GrpcSystem },
            { TelemetryAttributes.RpcMethod, method },
            { TelemetryAttributes.RpcResponseStatusCode, name },
        };
        if (code != StatusCode.OK)
        {
            // Every failed call is an error for the client (semconv).
            tags.Add(TelemetryAttributes.ErrorType, name);
        }

        Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
    }
}
