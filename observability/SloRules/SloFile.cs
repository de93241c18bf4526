using System.Globalization;
using System.Text.RegularExpressions;
using Shop.Conventions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Shop.SloRules;

/// <summary>observability/slos.yaml: the SLO period and the objectives.</summary>
public sealed class SloFile
{
    public string Period { get; set; } = "30d";

    public List<Slo> Slos { get; set; } = [];

    /// <summary>Reads and validates an SLO file; every problem is reported with the SLO it belongs to.</summary>
    public static SloFile Load(string path)
    {
        var deserializer = new DeserializerBuilder()
            .WithNamingConvention(UnderscoredNamingConvention.Instance)
            .Build();
        SloFile file;
        try
        {
            file = deserializer.Deserialize<SloFile?>(File.ReadAllText(path)) ?? new SloFile();
        }
        catch (YamlException e)
        {
            throw new SloFileException($"{path}: {e.Message}", e);
        }

        var problems = file.Validate().ToList();
        return problems.Count == 0 ? file : throw new SloFileException($"{path}:\n  " + string.Join("\n  ", problems));
    }

    private IEnumerable<string> Validate()
    {
        if (!PromDuration.TryParse(Period, out _))
        {
            yield return $"period '{Period}' is not a duration such as 30d";
        }

        if (Slos.Count == 0)
        {
            yield return "no slos";
        }

        foreach (var duplicate in Slos.GroupBy(s => s.Name).Where(g => g.Count() > 1))
        {
            yield return $"slo '{duplicate.Key}' is defined {duplicate.Count()} times";
        }

        foreach (var slo in Slos)
        {
            foreach (var problem in slo.Validate())
            {
                yield return $"slo '{slo.Name}': {problem}";
            }
        }
    }
}

/// <summary>One objective: which requests of which service, what share of them must be good.</summary>
public sealed partial class Slo
{
    public string Name { get; set; } = "";

    /// <summary>The OTEL service name, which is the scrape job.</summary>
    public string Service { get; set; } = "";

    /// <summary>Percent of eligible requests that must be good, e.g. 99.5.</summary>
    public decimal Objective { get; set; }

    public string Description { get; set; } = "";

    public Indicator Indicator { get; set; } = new();

    /// <summary>The share of requests allowed to be bad: 0.005 for 99.5 %.</summary>
    public decimal ErrorBudget => (100m - Objective) / 100m;

    internal IEnumerable<string> Validate()
    {
        if (!KebabName().IsMatch(Name))
        {
            yield return "name must be lower-case words joined by '-'";
        }

        if (!KebabName().IsMatch(Service))
        {
            yield return $"service '{Service}' is not an OTEL service name such as 'gateway'";
        }

        if (Objective is <= 0 or >= 100)
        {
            yield return $"objective {Objective} must be a percentage between 0 and 100 (exclusive)";
        }

        if (string.IsNullOrWhiteSpace(Description))
        {
            yield return "description is missing (it becomes the alert's description)";
        }

        foreach (var problem in Indicator.Validate())
        {
            yield return problem;
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
    private static partial Regex KebabName();
}

/// <summary>How good and bad requests are told apart, and which series count.</summary>
public sealed partial class Indicator
{
    public const string HttpAvailability = "http-availability";
    public const string GrpcAvailability = "grpc-availability";
    public const string HttpLatency = "http-latency";
    public const string GrpcLatency = "grpc-latency";

    public string Type { get; set; } = "";

    /// <summary>Seconds; the latency a good request stays within (a histogram bucket boundary).</summary>
    public double? Threshold { get; set; }

    public Dictionary<string, string> Selector { get; set; } = [];

    public bool IsLatency => Type is HttpLatency or GrpcLatency;

    public bool IsGrpc => Type is GrpcAvailability or GrpcLatency;

    internal IEnumerable<string> Validate()
    {
        if (Type is not (HttpAvailability or GrpcAvailability or HttpLatency or GrpcLatency))
        {
            yield return $"indicator type '{Type}' is not one of {HttpAvailability}, {GrpcAvailability}, {HttpLatency}, {GrpcLatency}";
        }

        if (IsLatency && Threshold is not { } threshold)
        {
            yield return "a latency indicator needs a threshold in seconds";
        }
        else if (IsLatency && !TelemetryMetrics.DurationBucketsSeconds.Contains(Threshold!.Value))
        {
            yield return $"threshold {Threshold.Value.ToString(CultureInfo.InvariantCulture)} is not a bucket boundary ({string.Join(", ", TelemetryMetrics.DurationBucketsSeconds.Select(b => b.ToString(CultureInfo.InvariantCulture)))}): the ratio could not be computed";
        }
        else if (!IsLatency && Threshold is not null)
        {
            yield return "threshold only applies to latency indicators";
        }

        foreach (var label in Selector.Keys)
        {
            if (!LabelName().IsMatch(label) || label.StartsWith("__", StringComparison.Ordinal))
            {
                yield return $"selector label '{label}' is not a Prometheus label name";
            }
            else if (label is "job" or "le")
            {
                yield return $"selector label '{label}' is set by the generator";
            }
        }
    }

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();
}

/// <summary>A Prometheus duration such as 5m, 6h or 3d, in whole seconds.</summary>
public readonly record struct PromDuration(long Seconds)
{
    private static readonly (char Unit, long Seconds)[] Units = [('d', 86400), ('h', 3600), ('m', 60), ('s', 1)];

    public static PromDuration Parse(string text) =>
        TryParse(text, out var duration) ? duration : throw new FormatException($"'{text}' is not a duration such as 5m, 6h or 3d.");

    public static bool TryParse(string? text, out PromDuration duration)
    {
        duration = default;
        if (string.IsNullOrEmpty(text) || text.Length < 2)
        {
            return false;
        }

        var unit = Array.FindIndex(Units, u => u.Unit == text[^1]);
        if (unit < 0 || !long.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count <= 0)
        {
            return false;
        }

        duration = new PromDuration(count * Units[unit].Seconds);
        return true;
    }

    /// <summary>This duration divided by <paramref name="scale"/>, which must leave whole seconds.</summary>
    public PromDuration DividedBy(int scale) =>
        Seconds % scale == 0
            ? new PromDuration(Seconds / scale)
            : throw new ArgumentException($"{this} divided by {scale} is not a whole number of seconds.", nameof(scale));

    /// <summary>The largest unit that divides it: 3d, 72m, 5s.</summary>
    public override string ToString()
    {
        var seconds = Seconds;
        var (unit, size) = Units.First(u => seconds % u.Seconds == 0);
        return (seconds / size).ToString(CultureInfo.InvariantCulture) + unit;
    }
}

public sealed class SloFileException : Exception
{
    public SloFileException()
    {
    }

    public SloFileException(string message)
        : base(message)
    {
    }

    public SloFileException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
