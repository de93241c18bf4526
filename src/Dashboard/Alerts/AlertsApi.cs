using System.Text.Json;
using Microsoft.Extensions.Options;
using Shop.Dashboard.Hosting;
using Shop.Dashboard.Query;

namespace Shop.Dashboard.Alerts;

/// <summary>
/// Alertmanager's webhook receiver (POST /api/alerts/webhook) and the alerts with their root-cause analyses:
/// GET /api/alerts, GET /api/alerts/{id}, and GET /api/rca for an analysis on demand. All on the query
/// listener, behind its API key: Alertmanager sends the key as <c>Authorization: Bearer</c> (http_config.authorization).
/// </summary>
internal static partial class AlertsApi
{
    public static void MapAlertsApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").WithMetadata(ListenerRole.Query);
        api.MapPost("/alerts/webhook", Webhook).DisableAntiforgery();
        api.MapGet("/alerts", (AlertStore alerts, AlertAnalysisQueue analyses) => DashboardApi.Envelope(alerts.All().Select(a => Json(a, analyses)).ToList()));
        api.MapGet("/alerts/{id}", (HttpContext http, string id, AlertStore alerts, AlertAnalysisQueue analyses) =>
            alerts.Get(id) is { } alert ? DashboardApi.Envelope(Json(alert, analyses)).ExecuteAsync(http) : JaegerApi.Error(http, StatusCodes.Status404NotFound, $"no alert '{id}'"));
        api.MapGet("/rca", OnDemand);
    }

    private static async Task<IResult> Webhook(HttpContext http, AlertStore alerts, AlertAnalysisQueue analyses, TimeProvider time,
        IOptions<DashboardOptions> options)
    {
        var limit = options.Value.Alerts.MaxWebhookBytes;
        if (http.Request.ContentLength > limit)
        {
            return TooLarge(limit);
        }

        using var body = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
        {
            if (body.Length + read > limit)
            {
                return TooLarge(limit);
            }

            body.Write(buffer, 0, read);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.GetBuffer().AsMemory(0, (int)body.Length), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Malformed JSON",
                detail: $"The body is not JSON (Alertmanager's webhook payload was expected): {e.Message}");
        }

        using (document)
        {
            var notification = AlertmanagerPayload.Parse(document.RootElement, out var errors);
            if (notification is null)
            {
                return TypedResults.ValidationProblem(errors, title: "Not an Alertmanager webhook payload (version 4)");
            }

            var queued = 0;
            foreach (var received in notification.Alerts)
            {
                var alert = alerts.Record(received, notification, time.GetUtcNow());
                // Each firing notification analyses again: traces of the alert's window keep arriving.
                if ((alert.Status == AlertmanagerPayload.Firing || alert.Report is null) && analyses.Enqueue(alert.Id))
                {
                    queued++;
                }
            }

            // Recorded; the analyses run after the answer (AlertAnalysisQueue), and GET /api/alerts shows them when done.
            return TypedResults.Accepted((string?)null, new { received = notification.Alerts.Count, queued });
        }
    }

    private static Task OnDemand(HttpContext http, AlertAnalyzer analyzer, TimeProvider time)
    {
        var query = http.Request.Query;
        var service = query["service"].ToString();
        if (service.Length == 0)
        {
            return JaegerApi.Error(http, StatusCodes.Status400BadRequest, "parameter 'service' is required");
        }

        try
        {
            var end = QueryParameters.MicrosParameter(query, "end") ?? time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
            var start = QueryParameters.MicrosParameter(query, "start")
                ?? end - (long)(QueryParameters.DurationParameter(query, "lookback", allowDays: true) ?? analyzer.Lookback).TotalMicroseconds;
            if (start > end)
            {
                throw new QueryParameterException("'start' must not be after 'end'");
            }

            var latency = query["latency"].ToString() is "true" or "1";
            var report = analyzer.Analyze(new RcaRequest(service, start * 1000, end * 1000, latency));
            return DashboardApi.Envelope(report).ExecuteAsync(http);
        }
        catch (QueryParameterException e)
        {
            return JaegerApi.Error(http, StatusCodes.Status400BadRequest, e.Message);
        }
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult TooLarge(int limit) => TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "Notification too large", detail: $"Webhook bodies are limited to {limit} bytes (Dashboard:Alerts:MaxWebhookBytes); set max_alerts in the webhook_config.");

    private static object Json(AlertEntry alert, AlertAnalysisQueue analyses) => new
    {
        id = alert.Id,
        fingerprint = alert.Fingerprint,
        alertName = alert.AlertName,
        status = alert.Status,
        service = alert.Service,
        labels = alert.Labels,
        annotations = alert.Annotations,
        startsAt = alert.StartsAt,
        endsAt = alert.EndsAt,
        generatorURL = alert.GeneratorUrl,
        receiver = alert.Receiver,
        externalURL = alert.ExternalUrl,
        firstReceivedAt = alert.FirstReceivedAt,
        lastReceivedAt = alert.LastReceivedAt,
        notifications = alert.Notifications,
        report = alert.Report,
        reportProblem = alert.ReportProblem,
        analysisPending = analyses.IsQueued(alert.Id),
    };
}
