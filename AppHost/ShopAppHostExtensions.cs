using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Shop.AppHost;

/// <summary>What the suite sets on the AppHost itself: its options, the Aspire dashboard's defaults and API key, the services' environment.</summary>
internal static class ShopAppHostExtensions
{
    private const string AspireDashboardName = "aspire-dashboard";

    /// <summary>The runtime's thread-pool spin limit; 0 means an idle worker waits for its signal without spinning first.</summary>
    internal const string ThreadPoolSpinLimitVariable = "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit";

    /// <summary>
    /// Reads the Shop options and gives the Aspire dashboard its defaults (http://localhost:18888, OTLP/gRPC at
    /// 18889) unless configured, so the built AppHost runs without a launch profile too.
    /// </summary>
    public static ShopSettings AddShopSettings(this IDistributedApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        // The command line's own switches (--gateway-port ...) when we are the program; under a test host, configuration keys only.
        var args = System.Reflection.Assembly.GetEntryAssembly() == typeof(ShopSettings).Assembly ? Environment.GetCommandLineArgs().Skip(1).ToArray() : [];
        var shop = ShopSettings.Read(configuration, args);
        var defaults = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = "http://localhost:18888",
            ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = "http://localhost:18889",
            ["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true", // plain http on loopback: no developer certificate needed
            ["DcpPublisher:WaitForResourceCleanup"] = "true", // exit only once DCP stopped every process: nothing is left behind
            // Aspire's check for a newer Aspire runs `dotnet package search` (0.7 s of CPU) beside the start, and without
            // user secrets (the AppHost keeps none) it cannot note that it checked: it ran at every start. The suite pins
            // its Aspire version in Directory.Packages.props; ASPIRE_VERSION_CHECK_DISABLED=false turns the check back on.
            ["ASPIRE_VERSION_CHECK_DISABLED"] = "true",
        };
        configuration.AddInMemoryCollection(defaults.Where(d => configuration[d.Key] is null && (d.Key != "ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL" || configuration["DOTNET_DASHBOARD_OTLP_ENDPOINT_URL"] is null)));

        builder.Eventing.Subscribe<BeforeStartEvent>((@event, _) =>
        {
            foreach (var resource in @event.Model.Resources)
            {
                if (resource is ProjectResource project)
                {
                    project.Annotations.Add(new EnvironmentCallbackAnnotation(context =>
                    {
                        context.EnvironmentVariables["ASPNETCORE_ENVIRONMENT"] = shop.Environment;
                        context.EnvironmentVariables["DOTNET_ENVIRONMENT"] = shop.Environment;
                    }));
                }
            }

            return Task.CompletedTask;
        });

        // The dashboard resource exists once Aspire's own BeforeStartEvent handler ran; its environment is evaluated
        // just before it starts, so a callback added then decides the telemetry API key: ours, fresh per run.
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>((@event, _) =>
        {
            if (@event.Resource.Name == AspireDashboardName)
            {
                @event.Resource.Annotations.Add(new EnvironmentCallbackAnnotation(context =>
                {
                    context.EnvironmentVariables["DASHBOARD__API__AUTHMODE"] = "ApiKey";
                    context.EnvironmentVariables["DASHBOARD__API__PRIMARYAPIKEY"] = shop.AspireApiKey;

                    // The projects' ThreadPoolSpinCount 0 (Directory.Build.props) does not reach the Aspire dashboard, which
                    // is not built here: the same setting through its environment, unless the AppHost's environment has
                    // one, which the dashboard then inherits (load/README.md, "Issue 15, step 4").
                    if (Environment.GetEnvironmentVariable(ThreadPoolSpinLimitVariable) is null)
                    {
                        context.EnvironmentVariables[ThreadPoolSpinLimitVariable] = "0";
                    }
                }));
            }

            return Task.CompletedTask;
        });
        return shop;
    }

    /// <summary>The Aspire dashboard's resource once the app runs; null when the dashboard is switched off.</summary>
    internal static IResourceWithEndpoints? AspireDashboard(IServiceProvider services) =>
        services.GetRequiredService<DistributedApplicationModel>().Resources.FirstOrDefault(r => r.Name == AspireDashboardName) as IResourceWithEndpoints;
}
