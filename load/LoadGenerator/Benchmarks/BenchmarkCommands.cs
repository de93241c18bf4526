using System.CommandLine;

namespace Shop.LoadGenerator.Benchmarks;

/// <summary>The benchmarks, one subcommand each.</summary>
internal static class BenchmarkCommands
{
    public static Command Build() => new("bench", "Benchmarks: each starts the suite through the AppHost and writes a report to load/reports/");
}
