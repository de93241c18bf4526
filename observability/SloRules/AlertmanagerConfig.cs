namespace Shop.SloRules;

/// <summary>observability/alertmanager.template.yml with the Dashboard's address in place of ${DASHBOARD_URL}.</summary>
public static class AlertmanagerConfig
{
    public const string DashboardUrlPlaceholder = "${DASHBOARD_URL}";

    /// <summary>The path on the Dashboard that receives Alertmanager's webhook notifications.</summary>
    public const string WebhookPath = "/api/alerts/webhook";

    public static string Render(string template, Uri dashboard)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(dashboard);
        if (!template.Contains(DashboardUrlPlaceholder, StringComparison.Ordinal))
        {
            throw new ArgumentException($"the template has no {DashboardUrlPlaceholder}", nameof(template));
        }

        if (dashboard.Scheme is not ("http" or "https") || dashboard.AbsolutePath != "/")
        {
            throw new ArgumentException($"'{dashboard}' is not a base address such as http://127.0.0.1:18888", nameof(dashboard));
        }

        return template.Replace(DashboardUrlPlaceholder, dashboard.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal);
    }
}
