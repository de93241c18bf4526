using Shop.Dashboard.Forwarding;
using Shop.Dashboard.Store;
using Shop.Otlp.Collector.Logs.V1;
using Shop.Otlp.Common.V1;
using Shop.Otlp.Logs.V1;
using Shop.Otlp.Resource.V1;

namespace Shop.Dashboard.Ingest;

/// <summary>The OTLP log record as received, with the resource and scope it came under.</summary>
internal sealed record OtlpLogSource(Resource? Resource, InstrumentationScope? Scope, LogRecord Record);

/// <summary>A stored log record on its way upstream: at once, or once its trace is decided (<see cref="FollowsTrace"/>).</summary>
internal readonly record struct ForwardedLog(TraceId TraceId, int SeverityNumber, OtlpLogSource Source)
{
    /// <summary>OTLP's WARN: warnings and worse go upstream whatever becomes of their trace.</summary>
    public const int Warn = 13;

    /// <summary>A record of a trace, less severe than a warning.</summary>
    public bool FollowsTrace => !TraceId.IsEmpty && SeverityNumber < Warn;
}

/// <summary>Where log records that followed their trace go: the forwarder, regrouped by resource and scope.</summary>
internal sealed class LogSink(OtlpForwarder forwarder)
{
    public void Forward(List<OtlpLogSource> logs)
    {
        if (logs.Count == 0)
        {
            return;
        }

        var request = new ExportLogsServiceRequest();
        foreach (var byResource in logs.GroupBy(l => l.Resource))
        {
            var resourceLogs = new ResourceLogs { Resource = byResource.Key };
            foreach (var byScope in byResource.GroupBy(l => l.Scope))
            {
                var scopeLogs = new ScopeLogs { Scope = byScope.Key };
                scopeLogs.LogRecords.AddRange(byScope.Select(l => l.Record));
                resourceLogs.ScopeLogs.Add(scopeLogs);
            }

            request.ResourceLogs.Add(resourceLogs);
        }

        forwarder.Enqueue(TelemetrySignal.Logs, request, logs.Count);
    }
}
