using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Shop.Dashboard.Alerts;

/// <summary>One alert of a notification, as Alertmanager's webhook (version 4) sends it.</summary>
internal sealed record ReceivedAlert(
    string Status,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    DateTimeOffset StartsAt,
    DateTimeOffset? EndsAt,
    string Fingerprint,
    string? GeneratorUrl);

/// <summary>An Alertmanager webhook notification (payload version 4).</summary>
internal sealed record AlertNotification(
    string Receiver,
    string Status,
    IReadOnlyList<ReceivedAlert> Alerts,
    IReadOnlyDictionary<string, string> GroupLabels,
    IReadOnlyDictionary<string, string> CommonLabels,
    string? ExternalUrl,
    string? GroupKey);

/// <summary>
/// Reads and validates the webhook body. Alertmanager's documented shape
/// (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config): version "4", receiver,
/// status, alerts[{status, labels, annotations, startsAt, endsAt, generatorURL, fingerprint}],
/// groupLabels, commonLabels, commonAnnotations, externalURL, groupKey, truncatedAlerts.
/// </summary>
internal static partial class AlertmanagerPayload
{
    public const string Firing = "firing";
    public const string Resolved = "resolved";
    public const int MaxAlerts = 1000;

    /// <summary>The notification, or the field errors (keyed by JSON path) that make it unusable.</summary>
    public static AlertNotification? Parse(JsonElement root, out Dictionary<string, string[]> errors)
    {
        errors = [];
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors["$"] = ["must be a JSON object (Alertmanager's webhook payload)"];
            return null;
        }

        var version = OptionalString(root, "version", errors);
        if (version != "4")
        {
            errors["version"] = [$"must be \"4\" (Alertmanager's webhook payload version), not {(version is null ? "missing" : $"\"{version}\"")}"];
        }

        var receiver = RequiredString(root, "receiver", errors);
        var status = Status(root, "status", "status", errors);
        var groupLabels = Labels(root, "groupLabels", "groupLabels", errors);
        var commonLabels = Labels(root, "commonLabels", "commonLabels", errors);
        var externalUrl = OptionalString(root, "externalURL", errors);
        var groupKey = OptionalString(root, "groupKey", errors);

        var alerts = new List<ReceivedAlert>();
        if (!root.TryGetProperty("alerts", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            errors["alerts"] = ["must be an array of alerts"];
        }
        else if (array.GetArrayLength() > MaxAlerts)
        {
            errors["alerts"] = [$"at most {MaxAlerts} alerts per notification (set max_alerts in the webhook_config)"];
        }
        else
        {
            var index = 0;
            foreach (var item in array.EnumerateArray())
            {
                if (Alert(item, $"alerts[{index++}]", errors) is { } alert)
                {
                    alerts.Add(alert);
                }
            }
        }

        return errors.Count > 0 ? null : new AlertNotification(receiver!, status!, alerts, groupLabels, commonLabels, externalUrl, groupKey);
    }

    private static ReceivedAlert? Alert(JsonElement item, string path, Dictionary<string, string[]> errors)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            errors[path] = ["must be an object"];
            return null;
        }

        var before = errors.Count;
        var status = Status(item, "status", $"{path}.status", errors);
        var labels = Labels(item, "labels", $"{path}.labels", errors);
        var annotations = Labels(item, "annotations", $"{path}.annotations", errors);
        var startsAt = Time(item, "startsAt", $"{path}.startsAt", errors, required: true);
        var endsAt = Time(item, "endsAt", $"{path}.endsAt", errors, required: false);
        var fingerprint = OptionalString(item, "fingerprint", errors, path);
        if (fingerprint is null || !FingerprintPattern().IsMatch(fingerprint))
        {
            errors[$"{path}.fingerprint"] = ["must be Alertmanager's fingerprint: 1 to 32 hex digits"];
        }

        if (labels.Count == 0 && !errors.ContainsKey($"{path}.labels"))
        {
            errors[$"{path}.labels"] = ["must hold the alert's labels"];
        }

        var generatorUrl = OptionalString(item, "generatorURL", errors, path);
        return errors.Count > before ? null : new ReceivedAlert(status!, labels, annotations, startsAt!.Value, endsAt, fingerprint!.ToLowerInvariant(), generatorUrl);
    }

    private static string? Status(JsonElement owner, string name, string path, Dictionary<string, string[]> errors)
    {
        var value = owner.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        if (value is not (Firing or Resolved))
        {
            errors[path] = ["must be \"firing\" or \"resolved\""];
            return null;
        }

        return value;
    }

    private static Dictionary<string, string> Labels(JsonElement owner, string name, string path, Dictionary<string, string[]> errors)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!owner.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return labels;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            errors[path] = ["must be an object of string values"];
            return labels;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                errors[$"{path}.{property.Name}"] = ["must be a string"];
                continue;
            }

            labels[property.Name] = property.Value.GetString()!;
        }

        return labels;
    }

    private static DateTimeOffset? Time(JsonElement owner, string name, string path, Dictionary<string, string[]> errors, bool required)
    {
        if (!owner.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors[path] = ["is required (RFC 3339 time)"];
            }

            return null;
        }

        if (element.ValueKind != JsonValueKind.String
            || !DateTimeOffset.TryParse(element.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            errors[path] = ["must be an RFC 3339 time such as 2026-01-01T12:00:00Z"];
            return null;
        }

        // Alertmanager sends Go's zero time ("0001-01-01T00:00:00Z") for an alert without an end.
        return time.Year <= 1 ? null : time;
    }

    private static string? RequiredString(JsonElement parent, string name, Dictionary<string, string[]> errors)
    {
        var value = OptionalString(parent, name, errors);
        if (string.IsNullOrEmpty(value) && !errors.ContainsKey(name))
        {
            errors[name] = ["is required"];
        }

        return value;
    }

    private static string? OptionalString(JsonElement parent, string name, Dictionary<string, string[]> errors, string? path = null)
    {
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            errors[path is null ? name : $"{path}.{name}"] = ["must be a string"];
            return null;
        }

        return element.GetString();
    }

    [GeneratedRegex("^[0-9a-fA-F]{1,32}$")]
    private static partial Regex FingerprintPattern();
}
