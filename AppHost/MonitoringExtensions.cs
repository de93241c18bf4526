using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Shop.SloRules;

namespace Shop.AppHost;

/// <summary>Prometheus and Alertmanager as executables, configured for this run's ports (observability/README.md, "The scrape contract").</summary>
internal static class MonitoringExtensions
{
    /// <summary>
    /// Alertmanager routing SLO alerts to the Shop dashboard's webhook, and Prometheus scraping each service (every project
    /// resource but the Shop dashboard) as the job of its name with the SLO rules; those of the two that are installed,
    /// none when Shop:Prometheus is false.
    /// </summary>
    public static IReadOnlyList<IResourceBuilder<ExecutableResource>> AddShopMonitoring(
        this IDistributedApplicationBuilder builder, ShopSettings shop, IResourceBuilder<ProjectResource> dashboard)
    {
        if (!shop.Prometheus)
        {
            return [];
        }

        var started = new List<IResourceBuilder<ExecutableResource>>();
        var alertmanager = builder.AddServer(shop, "alertmanager", "prometheus-alertmanager", "prometheus-alertmanager");
        if (alertmanager is not null)
        {
            var config = Path.Combine(shop.RunDirectory, "alertmanager.yml");
            alertmanager
                .WithArgs(context => context.Args.Add($"--config.file={config}"))
                .WithArgs("--cluster.listen-address=") // a single instance: no gossip port on every interface
                .WaitFor(dashboard)
                .OnBeforeResourceStarted(async (_, _, cancellationToken) =>
                {
                    var template = await File.ReadAllTextAsync(Path.Combine(shop.RepositoryRoot, "observability", "alertmanager.template.yml"), cancellationToken);
                    var webhook = new Uri(await dashboard.GetEndpoint("http").GetValueAsync(cancellationToken) ?? "");
                    await File.WriteAllTextAsync(config, AlertmanagerConfig.Render(template, webhook), cancellationToken);
                });
            started.Add(alertmanager);
        }

        var prometheus = builder.AddServer(shop, "prometheus", "prometheus", "prometheus");
        if (prometheus is not null)
        {
            var config = Path.Combine(shop.RunDirectory, "prometheus.yml");
            // The generated SLO rules (slos.yml) and any rule file written by hand next to them (the workshop's module 4 adds
            // one); not rules/test-scaled/, whose windows are for end-to-end tests.
            var rules = Path.Combine(shop.RepositoryRoot, "observability", "rules", "*.yml");
            prometheus
                .WithArgs(context => context.Args.Add($"--config.file={config}"))
                .OnBeforeResourceStarted(async (_, @event, cancellationToken) =>
                {
                    var targets = new List<(string Job, string Address)>();
                    foreach (var service in EndpointsFileExtensions.ShopServices(@event.Services.GetRequiredService<DistributedApplicationModel>(), dashboard.Resource))
                    {
                        targets.Add((service.Name, await Address(service.GetEndpoint("http"), cancellationToken)));
                    }

                    var alerting = alertmanager is null ? null : await Address(alertmanager.GetEndpoint("http"), cancellationToken);
                    await File.WriteAllTextAsync(config, PrometheusConfig(rules, alerting, targets), cancellationToken);
                });
            builder.Eventing.Subscribe<BeforeStartEvent>((@event, _) =>
            {
                foreach (var service in EndpointsFileExtensions.ShopServices(@event.Model, dashboard.Resource))
                {
                    prometheus.WithReferenceRelationship(service);
                }

                return Task.CompletedTask;
            });

            if (alertmanager is not null)
            {
                prometheus.WaitFor(alertmanager);
            }

            started.Add(prometheus);
        }

        return started;
    }

    // Both are Prometheus-project servers: one HTTP port, ready at /-/ready, data kept in the state directory.
    private static IResourceBuilder<ExecutableResource>? AddServer(
        this IDistributedApplicationBuilder builder, ShopSettings shop, string name, string program, string debianPackage)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
        if (path is null)
        {
            Console.WriteLine($"{name} is not started: '{program}' is not on PATH (Debian/Ubuntu: sudo apt-get install {debianPackage}).");
            return null;
        }

        var storage = name == "prometheus" ? "--storage.tsdb.path" : "--storage.path";
        var server = builder.AddExecutable(name, path, shop.RunDirectory);
        return server
            .WithHttpEndpoint(name: "http")
            .WithArgs(context =>
            {
                context.Args.Add($"{storage}={shop.DataDirectory(name)}");
                context.Args.Add(ReferenceExpression.Create($"--web.listen-address=127.0.0.1:{server.GetEndpoint("http").Property(EndpointProperty.TargetPort)}"));
            })
            .WithPromptHttpHealthCheck("/-/ready");
    }

    private static async Task<string> Address(EndpointReference endpoint, CancellationToken cancellationToken)
    {
        var url = new Uri(await endpoint.GetValueAsync(cancellationToken) ?? throw new InvalidOperationException($"{endpoint.EndpointName} has no address yet."));
        return $"{url.Host}:{url.Port}";
    }

    internal static string PrometheusConfig(string rulesFile, string? alertmanager, IEnumerable<(string Job, string Address)> services)
    {
        var yaml = new StringBuilder();
        yaml.Append("# Generated by the AppHost for this run's ports. Job = OTEL service name: see observability/README.md.\n");
        yaml.Append("global:\n  scrape_interval: 5s\n  evaluation_interval: 5s\n");
        yaml.Append("rule_files:\n  - '").Append(rulesFile).Append("'\n");
        if (alertmanager is not null)
        {
            yaml.Append("alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['").Append(alertmanager).Append("']\n");
        }

        yaml.Append("scrape_configs:\n");
        foreach (var (job, address) in services)
        {
            yaml.Append("  - job_name: '").Append(job).Append("'\n")
                .Append("    metrics_path: /metrics\n")
                .Append("    static_configs:\n")
                .Append("      - targets: ['").Append(address).Append("']\n");
        }

        return yaml.ToString();
    }
}
