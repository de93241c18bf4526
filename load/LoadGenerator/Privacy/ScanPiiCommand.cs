using System.CommandLine;
using System.Text.Json;
using Shop.LoadGenerator.Scenarios;
using Shop.LoadGenerator.Suite;

namespace Shop.LoadGenerator.Privacy;

/// <summary><c>scan-pii</c>: scans a running suite's telemetry for personal data; exit code 1 on any finding, 2 when a source could not be read.</summary>
internal static class ScanPiiCommand
{
    public static Command Build()
    {
        var endpoints = new Option<FileInfo?>("--endpoints") { Description = "endpoints.json of a running suite (default <repo>/.shop/run/endpoints.json)" };
        var names = new Option<string[]>("--name")
        {
            Description = "A full name the client sent (repeatable; default the load generator's)",
            DefaultValueFactory = _ => [ShopClient.UserName],
            AllowMultipleArgumentsPerToken = true,
        };
        var emails = new Option<string[]>("--email") { Description = "An e-mail address the client sent (repeatable): its local part alone is a finding too", DefaultValueFactory = _ => [] };
        var command = new Command("scan-pii", "Scan a running suite's traces, logs, metric labels and console logs for e-mail addresses, card-like numbers and the full names sent")
        {
            endpoints, names, emails,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(endpoints)?.FullName ?? SuiteEndpoints.DefaultPath;
            PiiScanResult result;
            try
            {
                result = await PiiScan.RunAsync(path, new SentPii(parse.GetValue(names)!, parse.GetValue(emails)!), cancellationToken);
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidDataException or JsonException)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return 2;
            }

            result.Print(Console.Out);
            return result.Findings.Count > 0 ? 1 : result.Problems.Count > 0 ? 2 : 0;
        });
        return command;
    }
}
