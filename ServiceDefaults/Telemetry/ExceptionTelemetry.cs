using System.Diagnostics;
using Shop.Conventions;

namespace Shop.ServiceDefaults.Telemetry;

/// <summary>Marks a span as failed by an exception: an exception event, error.type and Error status.</summary>
public static class ExceptionTelemetry
{
    /// <summary>Records <paramref name="exception"/> on <paramref name="activity"/> once, the way the semantic conventions describe.</summary>
    public static void Record(Activity? activity, Exception exception)
    {
        if (activity is null || !activity.IsAllDataRequested || activity.GetTagItem(TelemetryAttributes.ErrorType) is not null)
        {
            return;
        }

        activity.AddException(exception);
        activity.SetTag(TelemetryAttributes.ErrorType, exception.GetType().FullName);
        activity.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
    }
}
