using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.FileProviders;
using Shop.ServiceDefaults.Telemetry;

namespace Shop.ServiceDefaults.Tests;

public sealed class SamplerSettingsTests
{
    [Theory]
    [InlineData(null, null, "parentbased_always_on (Development default)")]
    [InlineData("always_on", null, "always_on")]
    [InlineData("always_off", null, "always_off")]
    [InlineData("parentbased_always_off", null, "parentbased_always_off")]
    [InlineData("traceidratio", "0.25", "traceidratio 0.25")]
    [InlineData("parentbased_traceidratio", "0.1", "parentbased_traceidratio 0.1")]
    [InlineData("PARENTBASED_TRACEIDRATIO", null, "parentbased_traceidratio 1")]
    public void Sampler_follows_the_standard_environment_variables(string? sampler, string? argument, string expected)
    {
        var settings = Read(sampler, argument, out var warnings);

        Assert.Equal(expected, settings);
        Assert.Empty(warnings);
    }

    [Theory]
    [InlineData("sometimes", null)]
    [InlineData("traceidratio", "1.5")]
    [InlineData("traceidratio", "half")]
    public void Invalid_sampler_settings_fall_back_with_a_warning(string sampler, string? argument)
    {
        Read(sampler, argument, out var warnings);

        Assert.Single(warnings);
    }

    private static string Read(string? sampler, string? argument, out List<string> warnings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_TRACES_SAMPLER"] = sampler,
            ["OTEL_TRACES_SAMPLER_ARG"] = argument,
        }).Build();
        warnings = [];
        return TelemetrySettings.SamplerFromEnvironment(configuration, new Environment(), warnings).Description;
    }

    private sealed class Environment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Development;
        public string ApplicationName { get; set; } = "Shop.Test";
        public string ContentRootPath { get; set; } = "/";
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
